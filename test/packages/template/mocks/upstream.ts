/** msw handlers installed inside the app's workers by `mockOutbound`. */
import { HttpResponse, http } from "msw";

export default [http.get("https://upstream.example.test/v1", () => HttpResponse.json({ mocked: true }))];

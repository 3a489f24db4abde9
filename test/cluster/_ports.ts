export { freePort } from "../../deploy/local/postgres.ts";

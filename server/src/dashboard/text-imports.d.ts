/** The files `assets.ts` imports `with { type: "text" }`: their text, bundled in. */
declare module "*.css" {
  const text: string;
  export default text;
}
declare module "uplot/dist/uPlot.iife.min.js" {
  const text: string;
  export default text;
}

declare module "*/client.generated.js" {
  const text: string;
  export default text;
}

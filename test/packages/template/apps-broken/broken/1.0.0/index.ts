export default { fetch: () => new Response("never served: the config is invalid") };

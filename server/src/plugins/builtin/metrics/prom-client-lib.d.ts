// prom-client's own files (`prom-client/lib/*`, see prom.ts), typed as its index types them.
declare module "prom-client/lib/registry" {
  import type { Registry } from "prom-client";

  const RegistryClass: typeof Registry;
  export default RegistryClass;
}
declare module "prom-client/lib/counter" {
  import type { Counter } from "prom-client";

  const CounterClass: typeof Counter;
  export default CounterClass;
}
declare module "prom-client/lib/gauge" {
  import type { Gauge } from "prom-client";

  const GaugeClass: typeof Gauge;
  export default GaugeClass;
}
declare module "prom-client/lib/cluster" {
  import type { AggregatorRegistry } from "prom-client";

  const AggregatorRegistryClass: typeof AggregatorRegistry;
  export default AggregatorRegistryClass;
}

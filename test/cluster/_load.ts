/**
 * Steady GET traffic through the load balancer while a test breaks something: `clients`
 * concurrent loops, each request checked (200 and the expected body), every failure kept.
 */
export interface Load {
  /** Stops the loops and returns what they saw. */
  stop(): Promise<{ requests: number; failures: string[] }>;
  readonly requests: number;
}

export function startLoad(url: string, expectBody: string, clients = 4): Load {
  let running = true;
  let requests = 0;
  const failures: string[] = [];
  const loops = Array.from({ length: clients }, async () => {
    while (running) {
      requests++;
      try {
        const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
        const text = await res.text();
        if (res.status !== 200 || text !== expectBody) failures.push(`${res.status} ${text.slice(0, 200)}`);
      } catch (error) {
        failures.push(String(error));
      }
    }
  });
  return {
    get requests() {
      return requests;
    },
    async stop() {
      running = false;
      await Promise.all(loops);
      return { requests, failures };
    },
  };
}

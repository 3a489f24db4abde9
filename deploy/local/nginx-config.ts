/**
 * The nginx configuration of `npm run cluster` (docs/cluster.md#try-it-on-one-machine): every node
 * an upstream; a request that fails to reach one (refused, reset, timed out, or a 502/504) is tried
 * on the next, which nginx does only for idempotent methods (GET, HEAD, PUT, DELETE, OPTIONS): a
 * POST that may have reached a node is never sent twice.
 */

export interface NginxOptions {
  /** nginx's prefix folder: pid file, temp folders. */
  dir: string;
  /** The balancer's port on 127.0.0.1. */
  port: number;
  /** The nodes, `host:port`. */
  upstreams: string[];
  /** The workers' `user` directive, when nginx starts as root. */
  user?: string;
}

/** nginx.conf for `options`. */
export function nginxConfig(options: NginxOptions): string {
  const temp = `${options.dir}/temp`;
  return `${options.user ? `user ${options.user};\n` : ""}worker_processes 1;
pid ${options.dir}/nginx.pid;
error_log stderr warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${temp}/body;
  proxy_temp_path ${temp}/proxy;
  fastcgi_temp_path ${temp}/fastcgi;
  uwsgi_temp_path ${temp}/uwsgi;
  scgi_temp_path ${temp}/scgi;
  # Deployments are archives: the nodes apply their own MAX_BODY_SIZE.
  client_max_body_size 0;
  upstream buntime {
${options.upstreams.map((host) => `    server ${host} max_fails=1 fail_timeout=2s;`).join("\n")}
    keepalive 32;
  }
  server {
    listen 127.0.0.1:${options.port};
    location / {
      proxy_pass http://buntime;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_connect_timeout 1s;
      proxy_read_timeout 300s;
      # Server-sent events and streamed answers pass through as they come.
      proxy_buffering off;
      proxy_next_upstream error timeout http_502 http_504;
      proxy_next_upstream_tries 3;
    }
  }
}
`;
}

/**
 * The dashboard's client entry (bundled by ../client-bundle.ts): starts what the page needs,
 * by `<body data-page>`. Every module only ever writes text into the page.
 */
import { startDeploy } from "./deploy.ts";
import { canWrite, pageApp } from "./dom.ts";
import { startLive } from "./live.ts";
import { startLogin, startLogout } from "./login.ts";
import { startLogs } from "./logs.ts";
import { startAppReleases, startOverviewReleases } from "./releases.ts";
import { startVersionDelete } from "./versions.ts";

function start(): void {
  const page = document.body.dataset.page;
  startLogout();
  if (page === "login") {
    startLogin();
    return;
  }
  if (page === "overview") {
    startLive(undefined);
    void startOverviewReleases();
    return;
  }
  const app = pageApp();
  if (page === "app" && app) {
    startLive(app);
    void startAppReleases(app);
    void startLogs(app);
    if (canWrite()) {
      startDeploy(app);
      startVersionDelete(app);
    }
  }
}

start();

// The two-replica run's database: `<E2E_DATABASE_URL's database>_replicas` on the same server, so it
// never shares rows (nodes' capacity, VMIDs) with the main browser run.
export function replicasDatabaseUrl(): string {
  const url = new URL(process.env.E2E_DATABASE_URL ?? "");
  url.pathname = `${url.pathname.replace(/^\//, "") || "postgres"}_replicas`;
  return url.toString();
}

/** Where the two replicas' output is kept (LOCAL_LOG_FILE) for the log scan. */
export const REPLICAS_LOG_FILE = ".data/e2e-replicas/server.log";

// Where server.ts listens. The local modes (`npm run dev`, `npm run start:local`) run Inngest in
// dev mode, where /api/inngest accepts unsigned calls: anyone who can reach the port could post
// forged step results (and mark an unpaid order paid). So they listen on loopback unless HOST says
// otherwise on purpose. `npm start` (production, signed Inngest requests) keeps all interfaces.
export function listenHost(env: { HOST?: string; NODE_ENV?: string; LABVPS_LOCAL_MODE?: string }): string {
  if (env.HOST) return env.HOST;
  const local = env.NODE_ENV !== "production" || env.LABVPS_LOCAL_MODE === "1";
  return local ? "127.0.0.1" : "0.0.0.0";
}

// Logs in to concierge-sfsim with jsforce's username-password OAuth flow,
// creates a Case, queries it back and prints what it saw as one JSON line.
// Run by the Rust test `jsforce::login_create_and_query` with:
//   SIM_URL, SIM_USERNAME, SIM_PASSWORD, SIM_CLIENT_ID, SIM_CLIENT_SECRET.
"use strict";
const jsforce = require("jsforce");

async function main() {
  const env = (k) => {
    const v = process.env[k];
    if (!v) throw new Error(`${k} is not set`);
    return v;
  };
  const conn = new jsforce.Connection({
    oauth2: {
      loginUrl: env("SIM_URL"),
      clientId: env("SIM_CLIENT_ID"),
      clientSecret: env("SIM_CLIENT_SECRET"),
      redirectUri: "http://localhost/callback",
    },
    version: "62.0",
  });
  const user = await conn.login(env("SIM_USERNAME"), env("SIM_PASSWORD"));
  const created = await conn.sobject("Case").create({ Subject: "Created by jsforce", Origin: "Web" });
  const result = await conn.query(`SELECT Id, Subject, Status FROM Case WHERE Id = '${created.id}'`);
  const limits = conn.limitInfo;
  console.log(JSON.stringify({
    userId: user.id,
    orgId: user.organizationId,
    instanceUrl: conn.instanceUrl,
    created,
    totalSize: result.totalSize,
    records: result.records,
    limitInfo: limits,
  }));
}

main().catch((e) => {
  console.error(`jsforce check failed: ${e && e.stack ? e.stack : e}`);
  process.exit(1);
});

// The authorizer as the usual Node Lambda would be written (for measurement only, bench/):
// aws-jwt-verify for the token, node:crypto X509Certificate for the certificate,
// @aws-sdk/client-dynamodb for the registry; JWKS and registry records cached per instance as ours
// are. Same env vars (docs/contract.md section 5), rules (section 6) and simple response as ours. It speaks
// the Lambda Runtime API with a minimal loop of its own, so the harness drives it as it drives ours.
//
//   node authorizer.js                    the Runtime API loop (AWS_LAMBDA_RUNTIME_API)
//   node authorizer.js --decide FILE N    in-process decision timing (bench/harness/run.py)
"use strict";
const crypto = require("node:crypto");
const fs = require("node:fs");
const http = require("node:http");
const { CognitoJwtVerifier } = require("aws-jwt-verify");
const { DynamoDBClient, GetItemCommand } = require("@aws-sdk/client-dynamodb");

const env = process.env;
const REGION = env.AWS_REGION;
const TABLE = env.CERT_TABLE_NAME;
const POOL = env.COGNITO_USER_POOL_ID;
const ISSUER = `https://cognito-idp.${REGION}.amazonaws.com/${POOL}`;
const JWKS_URL = env.COGNITO_JWKS_URL || `${ISSUER}/.well-known/jwks.json`;
const REGISTRY_TTL = Number(env.REGISTRY_CACHE_TTL_SECONDS ?? "30");
const SKEW = Number(env.CLOCK_SKEW_SECONDS ?? "0");
const REQUIRE_CNF = env.REQUIRE_CERT_BOUND_TOKEN === "true";
const ROUTE_SCOPES = {};
for (const entry of env.ROUTE_SCOPES.split(";")) {
  if (!entry.trim()) continue;
  const i = entry.indexOf("=");
  ROUTE_SCOPES[entry.slice(0, i).trim()] = entry.slice(i + 1).split(" ").filter(Boolean);
}

const dynamodb = new DynamoDBClient({
  region: REGION,
  endpoint: env.AWS_ENDPOINT_URL_DYNAMODB || env.AWS_ENDPOINT_URL,
});
const verifier = CognitoJwtVerifier.create({
  userPoolId: POOL,
  tokenUse: "access",
  clientId: null,
  graceSeconds: SKEW,
});
let jwksLoaded = null;
const registry = new Map(); // thumbprint -> { expires, item }

function getJson(url) {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { timeout: 2000 }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c) => (body += c));
      res.on("end", () => {
        try {
          resolve(JSON.parse(body));
        } catch (e) {
          reject(e);
        }
      });
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
  });
}

async function loadJwks() {
  // The JWKS comes from COGNITO_JWKS_URL (the local emulator), so it is fetched here and handed to
  // the verifier with cacheJwks, as aws-jwt-verify documents for a custom source.
  if (!jwksLoaded) jwksLoaded = getJson(JWKS_URL).then((jwks) => verifier.cacheJwks(jwks));
  return jwksLoaded;
}

async function registryRecord(thumbprint) {
  const now = Date.now();
  const hit = registry.get(thumbprint);
  if (hit && hit.expires > now) return hit.item;
  const out = await dynamodb.send(
    // An eventually consistent read, as ours does.
    new GetItemCommand({ TableName: TABLE, Key: { thumbprint: { S: thumbprint } } }),
  );
  const item = out.Item ?? null;
  const ttl = item ? REGISTRY_TTL : Math.min(REGISTRY_TTL, 5);
  if (ttl > 0) registry.set(thumbprint, { expires: now + ttl * 1000, item });
  return item;
}

async function decide(event) {
  const pem = event.requestContext.authentication.clientCert.clientCertPem;
  const cert = new crypto.X509Certificate(pem);
  const digest = crypto.createHash("sha256").update(cert.raw).digest();
  const thumbprint = digest.toString("hex");
  const now = Date.now();
  if (!(Date.parse(cert.validFrom) <= now && now <= Date.parse(cert.validTo))) return null;
  const record = await registryRecord(thumbprint);
  if (!record || record.status.S !== "ACTIVE") return null;
  if (!(Date.parse(record.not_before.S) <= now && now <= Date.parse(record.not_after.S)))
    return null;
  const auth = (event.headers || {}).authorization || "";
  if (!auth.startsWith("Bearer ")) return null;
  await loadJwks();
  // Checks alg RS256 against the JWK, signature, iss, token_use, exp (and nbf/iat with grace).
  const claims = verifier.verifySync(auth.slice(7));
  if (claims.iat === undefined || claims.iat > now / 1000 + SKEW) return null;
  if (claims.client_id !== record.client_id.S) return null;
  const held = new Set((claims.scope || "").split(" "));
  const allowed = record.scopes ? new Set(record.scopes.SS) : null;
  const needed = ROUTE_SCOPES[event.routeKey];
  if (!needed) return null;
  for (const s of needed) if (!held.has(s) || (allowed && !allowed.has(s))) return null;
  const x5t = digest.toString("base64url");
  if (claims.cnf !== undefined && (typeof claims.cnf !== "object" || claims.cnf["x5t#S256"] !== x5t))
    return null;
  if (claims.cnf === undefined && REQUIRE_CNF) return null;
  return {
    client_id: claims.client_id,
    cert_thumbprint: thumbprint,
    scope: claims.scope || "",
    cert_not_after: record.not_after.S,
  };
}

async function handler(event) {
  let context = null;
  try {
    context = await decide(event);
  } catch (e) {
    // Any error denies.
    process.stderr.write(JSON.stringify({ level: "warn", msg: "deny", error: e.name }) + "\n");
  }
  return context ? { isAuthorized: true, context } : { isAuthorized: false, context: {} };
}

function request(agent, method, path, body) {
  const [host, port] = env.AWS_LAMBDA_RUNTIME_API.split(":");
  return new Promise((resolve, reject) => {
    const req = http.request({ host, port, method, path, agent }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on("error", reject);
    req.setNoDelay(true); // a Runtime API call is one small request: do not wait for Nagle
    if (body !== undefined) req.setHeader("Content-Type", "application/json");
    req.end(body);
  });
}

async function runtimeLoop() {
  // At start-up, as ours does (and as aws-jwt-verify's hydrate()): the fetch runs while the loop
  // waits for the first event; a failure is retried by the handler.
  loadJwks().catch(() => {
    jwksLoaded = null;
  });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  for (;;) {
    const next = await request(agent, "GET", "/2018-06-01/runtime/invocation/next");
    const id = next.headers["lambda-runtime-aws-request-id"];
    const out = await handler(JSON.parse(next.body.toString("utf8")));
    await request(agent, "POST", `/2018-06-01/runtime/invocation/${id}/response`, JSON.stringify(out));
  }
}

async function decideBench(path, count) {
  // Warm once (JWKS and registry cached), then time `count` decisions on fresh tokens; events are
  // payload text as the Runtime API hands them over, so parsing is part of the work.
  const spec = JSON.parse(fs.readFileSync(path, "utf8"));
  const warm = await handler(JSON.parse(spec.warm));
  if (!warm.isAuthorized) throw new Error("the warm-up event must be authorized");
  const cpu0 = process.cpuUsage();
  const wall0 = process.hrtime.bigint();
  let allowed = 0;
  for (let i = 0; i < count; i++) {
    const r = await handler(JSON.parse(spec.events[i % spec.events.length]));
    if (r.isAuthorized) allowed++;
  }
  const cpu = process.cpuUsage(cpu0);
  const wall = Number(process.hrtime.bigint() - wall0) / 1000;
  process.stdout.write(
    JSON.stringify({
      count,
      allowed,
      cpu_us: (cpu.user + cpu.system) / count,
      wall_us: wall / count,
    }) + "\n",
  );
  process.exit(0);
}

if (process.argv[2] === "--decide") {
  decideBench(process.argv[3], Number(process.argv[4])).catch((e) => {
    process.stderr.write(String(e.stack) + "\n");
    process.exit(1);
  });
} else {
  runtimeLoop().catch((e) => {
    process.stderr.write(String(e.stack) + "\n");
    process.exit(1);
  });
}

// Runs an EdgeZero Worker under workerd through miniflare, as `wrangler dev` would.
// Written by the edgezero CLI next to its miniflare install and run with
//   EDGEZERO_WORKER_PLAN='{...}' node serve.mjs
// The plan (from `edgezero serve --adapter cloudflare`) names the built Worker, its bindings
// and where their data persists; EDGEZERO__ADAPTER__HOST / _PORT say where to listen, and
// every other EDGEZERO__* variable reaches the Worker as a var.
// With "seed" entries, they are written into the stores first; with "seed_only", the
// process exits after that (`edgezero config push --adapter cloudflare --local`).
import { Miniflare } from "miniflare";

const plan = JSON.parse(process.env.EDGEZERO_WORKER_PLAN);
for (const [name, value] of Object.entries(process.env)) {
    if (name.startsWith("EDGEZERO__") && !name.startsWith("EDGEZERO__ADAPTER__HOST") && !name.startsWith("EDGEZERO__ADAPTER__PORT")) {
        plan.bindings[name] = value;
    }
}
const durableObjects = {};
for (const [binding, className] of Object.entries(plan.durable_objects)) {
    durableObjects[binding] = { className, useSQLite: true };
}
// Without a Worker (`config push --local` writes a namespace): a script that serves nothing.
const worker = plan.entry
    ? { scriptPath: plan.entry, modulesRoot: plan.root }
    : { script: "export default { fetch() { return new Response(null, { status: 404 }); } };" };
const options = {
    name: plan.name,
    modules: true,
    ...worker,
    modulesRules: [
        { type: "ESModule", include: ["**/*.js", "**/*.mjs"] },
        { type: "CompiledWasm", include: ["**/*.wasm"] },
    ],
    compatibilityDate: plan.compatibility_date,
    kvNamespaces: plan.kv,
    kvPersist: plan.kv_persist,
    durableObjects,
    durableObjectsPersist: plan.do_persist,
    bindings: plan.bindings,
    host: process.env.EDGEZERO__ADAPTER__HOST || "127.0.0.1",
    port: Number(process.env.EDGEZERO__ADAPTER__PORT || 8787),
};
async function start(opts) {
    const mf = new Miniflare(opts);
    try {
        return [mf, await mf.ready];
    } catch (e) {
        console.error(`error: the local Workers runtime did not start: ${e.message}`);
        process.exit(1);
    }
}

// The atomic store's `Put` operation, in the object's wire format
// (crates/edgezero-adapter-cloudflare/src/atomic/wire.rs): tag 2, the key and the value each
// as a 4-byte little-endian length and the bytes, then 0 for "no TTL".
function putOp(key, base64Value) {
    const k = Buffer.from(key, "utf8");
    const v = Buffer.from(base64Value, "base64");
    const out = Buffer.alloc(1 + 4 + k.length + 4 + v.length + 1);
    let at = out.writeUInt8(2, 0);
    at = out.writeUInt32LE(k.length, at);
    at += k.copy(out, at);
    at = out.writeUInt32LE(v.length, at);
    at += v.copy(out, at);
    out.writeUInt8(0, at);
    // A fresh ArrayBuffer: miniflare refuses a view into Node's shared buffer pool.
    return Uint8Array.from(out);
}

// Seeding runs on an instance of its own that listens on no fixed port: the serving
// instance accepts requests only once every entry is written.
const seed = plan.seed || [];
if (seed.length > 0) {
    const [mf] = await start({ ...options, port: 0 });
    for (const { binding, key, value } of seed) {
        if (plan.atomic.includes(binding)) {
            const ns = await mf.getDurableObjectNamespace(binding);
            const stub = ns.get(ns.idFromName(plan.atomic_object));
            const res = await stub.fetch("https://atomic-kv.edgezero/", { method: "POST", body: putOp(key, value) });
            const reply = new Uint8Array(await res.arrayBuffer());
            // 1 is the `Done` reply (crates/edgezero-adapter-cloudflare/src/atomic/wire.rs).
            if (res.status !== 200 || reply.length !== 1 || reply[0] !== 1) {
                console.error(`error: writing ${key} into ${binding} failed: status ${res.status}, reply ${Buffer.from(reply).toString("hex")}`);
                process.exit(1);
            }
        } else {
            const kv = await mf.getKVNamespace(binding);
            // A fresh ArrayBuffer: miniflare refuses a view into Node's shared buffer pool.
            await kv.put(key, Uint8Array.from(Buffer.from(value, "base64")).buffer);
        }
    }
    await mf.dispose();
    console.error(`wrote ${seed.length} entries into the local stores`);
}
if (plan.seed_only) {
    process.exit(0);
}

const [mf, url] = await start(options);
console.error(`serving ${plan.name} under workerd (miniflare) on ${url.href}`);
const stop = async () => {
    await mf.dispose();
    process.exit(0);
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
// The runtime lives as long as `edgezero serve`: when that process is gone (killed with no
// chance to stop this one), this process is re-parented, and stops too.
const parent = process.ppid;
setInterval(() => {
    if (process.ppid !== parent) {
        stop();
    }
}, 500).unref();

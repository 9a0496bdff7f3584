// Sends a fixed number of requests from a process of its own, so the CPU time the app's
// process spends is the app's alone (see "CPU per request" in scripts/bench.ts).
import autocannon from 'autocannon';

const { url, headers, amount, connections } = await new Promise((resolve) => process.once('message', resolve));
const result = await autocannon({ url, headers, amount, connections });
process.send({ non2xx: result.non2xx, errors: result.errors });
process.disconnect();

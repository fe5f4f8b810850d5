// The cross-app inbox tests of inbox.test.ts again, on a shared store that answers every call 5 ms
// later, as a networked one would: the memory store answers at once, so this is what runs the
// promise paths of the inbox service (claims, takes, give-backs, takeovers) across apps.
process.env.CLUSTER_STORE_LATENCY_MS = '5';
await import('./inbox.test.ts');

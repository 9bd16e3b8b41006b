import fc from 'fast-check';

// Property tests are reproducible: one seed for every run unless FC_SEED asks for another
// (run with FC_SEED=$RANDOM to explore further; a failure prints the seed and path to replay).
fc.configureGlobal({ seed: Number(process.env.FC_SEED ?? 20261128) });

# Imported at the start of every evaluator session (session-protocol.ts, preludeLines):
# Nix reporting that it evaluated this file shows that it reports the files it evaluates,
# which is what the cache keys answers by (dependency-manifest.ts).
null

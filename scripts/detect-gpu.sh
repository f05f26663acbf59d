#!/usr/bin/env bash
# Prints whether session desktops on this host can encode their stream on the GPU:
#   nvenc: <reason>   an NVIDIA GPU with NVENC, and nvidia-container-toolkit to hand it to containers
#   none: <reason>    otherwise (streams are encoded with x264 on the CPU)
# The decision lives in packages/node/src/gpu.ts (shared with the node), so run `npm run build` first.
set -euo pipefail
cd "$(dirname "$0")/.."
case ${1:-} in
  -h | --help) sed -n '2,5p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  "") ;;
  *) echo "detect-gpu: unknown option '$1' (see --help)" >&2; exit 2 ;;
esac
[[ -f packages/node/dist/gpu-cli.js ]] || { echo "detect-gpu: packages/node/dist/gpu-cli.js is missing; run npm run build first" >&2; exit 1; }
exec node packages/node/dist/gpu-cli.js

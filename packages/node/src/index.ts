export { AGENTD_BUNDLE, agentdArchive } from "./agentd-bundle.js";
export { type DockerDriverOptions, DockerSandboxDriver, demux } from "./docker-driver.js";
export { BRIDGE_PREFIX, bridgeName, CHAIN_FORWARD, CHAIN_INPUT, Firewall } from "./firewall.js";
export { decideEncoder, type EncoderDecision, encoderContainerConfig, hasNvenc } from "./gpu.js";
export { ImageBuilder, type Progress } from "./image-builder.js";
export { baseImageTag, desktopImageTag, IMAGES_DIR, recipeHash } from "./images.js";
export { LABELS, labelsFor, names } from "./labels.js";
export { NODE_VERSION, NodeLinkClient, type NodeLinkOptions } from "./node-link-client.js";
export { SubnetPool } from "./subnet-pool.js";

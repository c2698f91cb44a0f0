// A build or boot that cannot go on: one line naming the tool, directory or target at fault.
export class BuildError extends Error {}

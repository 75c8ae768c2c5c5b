/** An image id as the engine's build output and `docker images` show it: 12 hex digits, without "sha256:". */
export function shortImageId(id: string): string {
  return id.replace(/^sha256:/, "").slice(0, 12);
}

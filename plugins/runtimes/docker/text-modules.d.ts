// Files imported `with { type: "text" }` (embedded in the compiled binary as text).
declare module "*Dockerfile.default" {
  const text: string;
  export default text;
}

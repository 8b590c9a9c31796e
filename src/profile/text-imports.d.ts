/** Profile files imported as text (`with { type: 'text' }`); see builtin.ts. */
declare module '*.profile' {
  const text: string;
  export default text;
}
declare module '*.inc' {
  const text: string;
  export default text;
}

// The Express 4 devDependency is installed under an alias; its API matches the Express types
// closely enough for the routes the tests mount.
declare module 'express4' {
  import express from 'express'
  export default express
}

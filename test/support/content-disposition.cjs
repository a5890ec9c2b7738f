// Jest on Node 20 cannot require() ESM packages (it needs Node 24.9+), and @fastify/static 10 — loaded by the Swagger UI
// in tests — requires the ESM-only content-disposition@3 at import time. Tests map the package to this CommonJS stand-in
// (jest.config.mjs moduleNameMapper). It is only called by reply.download(), which nothing in this service uses.
'use strict';

function header(filename, options) {
  const type = (options && options.type) || 'attachment';
  if (filename === undefined) return type;
  const name = String(filename).split(/[\\/]/).pop();
  const ascii = name.replace(/[^\x20-\x7e]/g, '?').replace(/["\\]/g, '\\$&');
  const encoded = encodeURIComponent(name).replace(/['()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
  return ascii === name ? `${type}; filename="${ascii}"` : `${type}; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

module.exports = header;
module.exports.create = header;
module.exports.format = header;

// The reference for the fan-out benchmark: a bare socket.io 4.8 server on Node.js, the practical ceiling
// for Socket.IO fan-out on this machine. Same wire protocol as the platform as the driver sees it: a client
// connects (websocket, any `auth`), the server puts it in one room at connect (the platform chooses rooms
// at connect too), and `POST /alert` with a JSON body emits `alert:new` {...body, id, ts} to that room and
// answers 201. It stores and checks nothing: that is the point of a ceiling.
// Usage: PORT=5004 node reference.js   (loopback only)
'use strict';
const http = require('http');
const { Server } = require('socket.io');

let ids = 0;
const server = http.createServer((req, res) => {
  if (req.method === 'POST' && req.url === '/alert') {
    let raw = '';
    req.on('data', (chunk) => { raw += chunk; });
    req.on('end', () => {
      const alert = { ...JSON.parse(raw), id: ++ids, ts: Date.now() };
      io.to('network').emit('alert:new', alert);
      res.writeHead(201, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ id: alert.id }));
    });
    return;
  }
  res.writeHead(200, { 'Content-Type': 'application/json' });
  res.end('{"status":"ok"}');
});
const io = new Server(server, { transports: ['websocket'] });
io.on('connection', (socket) => { socket.join('network'); });
server.listen(Number(process.env.PORT || 5004), '127.0.0.1', () => console.log('reference listening'));

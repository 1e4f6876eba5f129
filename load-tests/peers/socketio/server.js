// The Socket.IO peer: the setup a team would deploy for real-time fan-out across nodes
// (Socket.IO 4, WebSocket transport, @socket.io/redis-adapter on one Redis), with the same
// essentials the load tests exercise on Switchboard: identify, join a room, send a message
// to everyone else in the room, on any node, with an acknowledgement.
//
//   REDIS_URL=redis://127.0.0.1:6379/ node server.js [PORT]
//
// PORT (argument, else $PORT, else 3000; 0 picks a free one) is bound on 127.0.0.1. When the
// server accepts connections it prints exactly one line, `listening on http://127.0.0.1:PORT`
// with the real port, which the load generator waits for.
//
// What it does not do, on purpose (see ../README.md): no persistence (a message is acked once
// it has been handed to the adapter, not stored), no authentication beyond a client-chosen
// id, no recovery of missed messages after a reconnect.
"use strict";

const { createServer } = require("node:http");
const { Server } = require("socket.io");
const { createAdapter } = require("@socket.io/redis-adapter");
const { createClient } = require("redis");

const port = Number(process.argv[2] ?? process.env.PORT ?? 3000);
const redisUrl = process.env.REDIS_URL ?? "redis://127.0.0.1:6379/";

if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`server.js: not a port: ${process.argv[2] ?? process.env.PORT}`);
  process.exit(2);
}

async function main() {
  // The adapter's documented setup: one client publishes, a duplicate subscribes.
  const pubClient = createClient({ url: redisUrl });
  const subClient = pubClient.duplicate();
  // node-redis reconnects by itself; an unhandled 'error' event would kill the process.
  pubClient.on("error", (err) => console.error(`redis (pub): ${err.message}`));
  subClient.on("error", (err) => console.error(`redis (sub): ${err.message}`));
  await Promise.all([pubClient.connect(), subClient.connect()]);

  const httpServer = createServer();
  const io = new Server(httpServer, {
    // WebSocket only: no long-polling upgrade dance, the fairest comparison with a
    // WebSocket gateway. The client connects to /socket.io/?EIO=4&transport=websocket.
    transports: ["websocket"],
    serveClient: false,
    adapter: createAdapter(pubClient, subClient),
  });

  // Identify: the client sends `auth: { id }` with its connect packet.
  io.use((socket, next) => {
    const id = socket.handshake.auth?.id;
    if (typeof id !== "string" || id.length === 0) {
      return next(new Error("auth.id (a non-empty string) is required"));
    }
    socket.data.id = id;
    next();
  });

  io.on("connection", (socket) => {
    // `join` {room} → ack {ok: true} once this socket is in the room.
    socket.on("join", (payload, ack) => {
      const room = payload?.room;
      if (typeof room !== "string" || room.length === 0) {
        return reply(ack, { ok: false, error: "room (a non-empty string) is required" });
      }
      socket.join(room);
      reply(ack, { ok: true });
    });

    // `msg` {room, text} → every other member of the room, on every node, gets
    // `msg` {room, from, text}; the sender gets ack {ok: true} once the message has been
    // handed to the adapter (local sockets written, Redis publish issued). Nothing is stored.
    socket.on("msg", (payload, ack) => {
      const room = payload?.room;
      const text = payload?.text;
      if (typeof room !== "string" || typeof text !== "string") {
        return reply(ack, { ok: false, error: "room and text (strings) are required" });
      }
      if (!socket.rooms.has(room)) {
        return reply(ack, { ok: false, error: "join the room first" });
      }
      socket.to(room).emit("msg", { room, from: socket.data.id, text });
      reply(ack, { ok: true });
    });
  });

  httpServer.listen(port, "127.0.0.1", () => {
    console.log(`listening on http://127.0.0.1:${httpServer.address().port}`);
  });
}

function reply(ack, answer) {
  if (typeof ack === "function") {
    ack(answer);
  }
}

main().catch((err) => {
  console.error(`server.js: ${err.stack ?? err}`);
  process.exit(1);
});

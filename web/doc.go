// Package web serves the coaching page, the receiver's phone remote and
// their websockets, and writes the session log.
//
// Rules:
//   - Every request passes the Host allowlist (loopback names and the listen
//     address: no DNS rebinding) and, when a token is set, carries it (query
//     ?token= once, then a cookie). A listen address beyond loopback needs a
//     token. Websockets are accepted only from the page's own origin.
//   - Browser input is decoded strictly (models.DecodeClient) within a size
//     limit; a bad message closes that connection and no other.
//   - Publishing never blocks: each client has one writer goroutine, a
//     bounded in-order queue for messages that are never dropped (a client
//     that overflows it is disconnected and reconnects), and a one-slot
//     mailbox for video, where the newest frame wins and replaced ones are
//     counted. The remote never gets video.
//   - The pages are embedded and load nothing from the network.
//   - The session log holds events, never pictures.
//   - GET /report/ID serves a finished session's report page
//     (DATA/session-ID.html, which holds one still of the back) behind the
//     same checks; nothing else in the data folder is reachable.
package web

// Package embedded runs a NATS server inside the program, for the NATS
// backend of sluice (package natsb) when there is no cluster to point it
// at: tests, examples, one machine. It is a module of its own because
// linking nats-server grows a binary from about 3.6 to 26 MB; programs
// that use a real cluster import natsb alone and never link it.
//
// # Security
//
// [Start] listens on loopback only, on a port the kernel picks, and never
// without authentication: it makes a user and password for the
// application account and another for the system account on every run,
// with crypto/rand, and they exist nowhere but in the URLs it returns.
// [Server.URL] carries the application's credentials (hand it to worker
// processes through their environment, never on a command line);
// [Server.SystemURL] those of the system account, whose disconnect events
// let a dispatcher see a killed worker within milliseconds
// (natsb.WithSystemEvents).
//
// # Lifecycle
//
// The server is ready when Start returns (a few milliseconds) and runs
// until [Server.Shutdown], which closes every client connection and waits
// for the server's goroutines.
package embedded

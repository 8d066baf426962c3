module github.com/sluice-go/sluice/bench

go 1.26.0

replace (
	github.com/sluice-go/sluice => ../
	github.com/sluice-go/sluice/natsb => ../natsb
	github.com/sluice-go/sluice/natsb/embedded => ../natsb/embedded
)

require (
	github.com/alitto/pond/v2 v2.7.1
	github.com/destel/rill v0.7.0
	github.com/gammazero/workerpool v1.3.0
	github.com/nats-io/nats.go v1.56.0
	github.com/panjf2000/ants/v2 v2.12.1
	github.com/sluice-go/sluice v0.0.0-00010101000000-000000000000
	github.com/sluice-go/sluice/natsb v0.0.0-00010101000000-000000000000
	github.com/sluice-go/sluice/natsb/embedded v0.0.0-00010101000000-000000000000
	github.com/sourcegraph/conc v0.3.0
	go.uber.org/ratelimit v0.3.1
	golang.org/x/sync v0.25.0
	golang.org/x/time v0.16.0
)

require (
	github.com/antithesishq/antithesis-sdk-go v0.9.0-default-no-op // indirect
	github.com/benbjohnson/clock v1.3.0 // indirect
	github.com/gammazero/deque v1.2.2 // indirect
	github.com/google/go-tpm v0.9.8 // indirect
	github.com/klauspost/compress v1.20.4 // indirect
	github.com/minio/highwayhash v1.0.4 // indirect
	github.com/nats-io/jwt/v2 v2.8.3 // indirect
	github.com/nats-io/nats-server/v2 v2.15.3 // indirect
	github.com/nats-io/nkeys v0.4.17 // indirect
	github.com/nats-io/nuid v1.0.1 // indirect
	go.uber.org/atomic v1.7.0 // indirect
	go.uber.org/multierr v1.9.0 // indirect
	golang.org/x/crypto v0.58.0 // indirect
	golang.org/x/sys v0.50.0 // indirect
)

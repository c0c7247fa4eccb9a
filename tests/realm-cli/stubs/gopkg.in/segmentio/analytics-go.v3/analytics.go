// Package analytics stands in for gopkg.in/segmentio/analytics-go.v3 (Segment's
// telemetry client) when realm-cli is built by tests/realm-cli/build.sh. Debian has
// no package for it, the test machines cannot reach Segment, and the guestpass
// tests must send nothing off the machine. It declares exactly what realm-cli's
// internal/telemetry uses (Client, Config, Logger, Message, Properties, Track,
// NewWithConfig) and sends nothing. realm-cli only creates a client when a Segment
// write key is injected at build time, which build.sh never does, so in practice
// none of this runs. Written for guestpass; no code taken from the original package.
package analytics

import "time"

// Logger receives the client's log output.
type Logger interface {
	Logf(format string, args ...interface{})
	Errorf(format string, args ...interface{})
}

// Config configures a Client; only Logger is used by realm-cli.
type Config struct {
	Logger Logger
}

// Properties are an event's free-form fields.
type Properties map[string]interface{}

// Message is anything a Client can enqueue.
type Message interface {
	validate() error
}

// Track records that a user did something.
type Track struct {
	MessageId  string
	Timestamp  time.Time
	Event      string
	UserId     string
	Properties Properties
}

func (Track) validate() error { return nil }

// Client queues messages; Close flushes them.
type Client interface {
	Enqueue(Message) error
	Close() error
}

// NewWithConfig returns a Client that discards every message.
func NewWithConfig(writeKey string, config Config) (Client, error) {
	return discard{}, nil
}

type discard struct{}

func (discard) Enqueue(Message) error { return nil }
func (discard) Close() error          { return nil }

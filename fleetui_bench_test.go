package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"bilge/dockerapi"
	"bilge/dockerapi/demo"
	"bilge/internal/fleet"
	"bilge/internal/uidriver"
	"bilge/ui"
)

// BenchmarkFleetUI is the time from starting bilge --fleet's model to the
// Engines view filled (every engine's row in), through the real source
// (internal/fleet's measure over the demo engines' private sockets) and
// the UI's own message loop. With 5 engines it should take about what 1
// takes, not five times as long; "slow-df" gives each engine a system df
// of 500ms (a big remote host).
func BenchmarkFleetUI(b *testing.B) {
	for _, bc := range []struct {
		name string
		n    int
		df   time.Duration
	}{{"1-engine", 1, 0}, {"5-engines", 5, 0}, {"1-engine-slow-df", 1, 500 * time.Millisecond}, {"5-engines-slow-df", 5, 500 * time.Millisecond}} {
		b.Run(bc.name, func(b *testing.B) {
			var members []fleet.Member
			for i := range bc.n {
				d := demo.New(int64(i))
				d.SetDiskUsageDelay(bc.df)
				host, err := d.Serve(context.Background())
				if err != nil {
					b.Fatal(err)
				}
				b.Cleanup(func() { d.Close() })
				members = append(members, fleet.Member{Name: fmt.Sprintf("demo-%d", i), Endpoint: dockerapi.Endpoint{Host: host, Source: "demo"}, Demo: true})
			}
			src := newFleetSource(options{}, ui.Options{}, members)
			want := fmt.Sprintf("● %d connected", bc.n)
			b.ResetTimer()
			for range b.N {
				ctx, cancel := context.WithCancel(context.Background())
				d := uidriver.New(ui.NewFleet(ctx, src, ui.FleetOptions{Refresh: time.Hour}), 120, 40)
				if err := d.Until("every engine's row", time.Minute, func(s string) bool { return strings.Contains(s, want) }); err != nil {
					b.Fatal(err)
				}
				cancel()
			}
		})
	}
}

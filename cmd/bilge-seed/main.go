// Command bilge-seed puts the end-to-end tests' labelled state on the local
// daemon (to look at bilge by hand), or removes it again:
//
//	go run ./cmd/bilge-seed            # seed; prints the run ID
//	go run ./cmd/bilge-seed -scale     # seed a big host instead (800 images,
//	                                   # 1,500 containers, 500 volumes), as
//	                                   # scripts/bench.sh does
//	go run ./cmd/bilge-seed -clean ID  # remove that run's labelled objects (its
//	                                   # build cache stays: docker builder prune)
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"bilge/internal/enginetest"
)

func main() {
	clean := flag.String("clean", "", "remove the objects of this run ID instead of seeding")
	scale := flag.Bool("scale", false, "seed a big host (see -images, -containers, -volumes)")
	images := flag.Int("images", 800, "with -scale: images")
	containers := flag.Int("containers", 1500, "with -scale: containers (a quarter running)")
	volumes := flag.Int("volumes", 500, "with -scale: volumes")
	flag.Parse()
	e, err := enginetest.Connect()
	if err != nil {
		fmt.Fprintln(os.Stderr, "bilge-seed:", err)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "bilge-seed: using the daemon at %s (API %s; DOCKER_HOST chooses another)\n", e.Host(), e.APIVersion())
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	ctx = enginetest.WithProgress(ctx, func(msg string) { fmt.Fprintln(os.Stderr, "bilge-seed:", msg) })
	if *clean != "" {
		if err := e.CleanupScale(ctx, *clean); err != nil {
			fmt.Fprintln(os.Stderr, "bilge-seed:", err)
			os.Exit(1)
		}
		return
	}
	id := enginetest.NewRunID()
	if *scale {
		if _, err := e.SeedScale(ctx, id, *images, *containers, *containers/4, *volumes); err != nil {
			e.CleanupScale(ctx, id)
			fmt.Fprintln(os.Stderr, "bilge-seed:", err)
			os.Exit(1)
		}
		fmt.Println(id)
		return
	}
	s, err := e.SeedRun(ctx, id)
	if err != nil {
		e.Cleanup(ctx, id)
		fmt.Fprintln(os.Stderr, "bilge-seed:", err)
		os.Exit(1)
	}
	fmt.Println(s.RunID)
}

//go:build race

package demo_test

// raceSlowdown widens timing limits under the race detector.
const raceSlowdown = 10

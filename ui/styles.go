package ui

import (
	"image/color"

	"charm.land/lipgloss/v2"
)

// Styles is every style the UI draws with, built once per background
// (light or dark) and handed down. NO_COLOR and dumb terminals are handled
// by Bubble Tea's colour profile, which strips what the terminal cannot show.
type Styles struct {
	Title       lipgloss.Style
	Header      lipgloss.Style
	Muted       lipgloss.Style
	Connected   lipgloss.Style
	Offline     lipgloss.Style
	ReadOnly    lipgloss.Style
	TabActive   lipgloss.Style
	TabInactive lipgloss.Style
	ColHeader   lipgloss.Style
	ColSorted   lipgloss.Style
	Row         lipgloss.Style
	RowCursor   lipgloss.Style
	RowStale    lipgloss.Style
	Marked      lipgloss.Style
	Pending     lipgloss.Style
	Error       lipgloss.Style
	Warn        lipgloss.Style
	Status      lipgloss.Style
	Prompt      lipgloss.Style
	DetailKey   lipgloss.Style
	DetailHead  lipgloss.Style
	Border      lipgloss.Style
	BarUsed     lipgloss.Style
	BarFree     lipgloss.Style
	BarEmpty    lipgloss.Style
	Good        lipgloss.Style

	// Status colours of images and containers.
	InUse, Stopped, Unused, Dangling lipgloss.Style

	HelpKey, HelpDesc, HelpSep color.Color
}

// NewStyles builds the styles for a dark or light background.
func NewStyles(isDark bool) Styles {
	ld := lipgloss.LightDark(isDark)
	fg := ld(lipgloss.Color("#1F2328"), lipgloss.Color("#E6EDF3"))
	muted := ld(lipgloss.Color("#6E7781"), lipgloss.Color("#8B949E"))
	accent := ld(lipgloss.Color("#0969DA"), lipgloss.Color("#58A6FF"))
	green := ld(lipgloss.Color("#1A7F37"), lipgloss.Color("#3FB950"))
	red := ld(lipgloss.Color("#CF222E"), lipgloss.Color("#F85149"))
	yellow := ld(lipgloss.Color("#9A6700"), lipgloss.Color("#D29922"))
	orange := ld(lipgloss.Color("#BC4C00"), lipgloss.Color("#DB6D28"))
	cursorBg := ld(lipgloss.Color("#DDF4FF"), lipgloss.Color("#1F3A5F"))
	tabBg := ld(lipgloss.Color("#0969DA"), lipgloss.Color("#1F6FEB"))
	tabFg := lipgloss.Color("#FFFFFF")

	base := lipgloss.NewStyle().Foreground(fg)
	return Styles{
		Title:       lipgloss.NewStyle().Bold(true).Foreground(accent),
		Header:      base,
		Muted:       lipgloss.NewStyle().Foreground(muted),
		Connected:   lipgloss.NewStyle().Foreground(green),
		Offline:     lipgloss.NewStyle().Foreground(red).Bold(true),
		ReadOnly:    lipgloss.NewStyle().Foreground(yellow).Bold(true),
		TabActive:   lipgloss.NewStyle().Bold(true).Foreground(tabFg).Background(tabBg).Padding(0, 1),
		TabInactive: lipgloss.NewStyle().Foreground(muted).Padding(0, 1),
		ColHeader:   lipgloss.NewStyle().Bold(true).Foreground(muted),
		ColSorted:   lipgloss.NewStyle().Bold(true).Foreground(accent),
		Row:         base,
		RowCursor:   lipgloss.NewStyle().Foreground(fg).Background(cursorBg).Bold(true),
		RowStale:    lipgloss.NewStyle().Foreground(muted).Faint(true),
		Marked:      lipgloss.NewStyle().Foreground(orange).Bold(true),
		Pending:     lipgloss.NewStyle().Foreground(muted).Italic(true),
		Error:       lipgloss.NewStyle().Foreground(red),
		Warn:        lipgloss.NewStyle().Foreground(yellow),
		Status:      lipgloss.NewStyle().Foreground(muted),
		Prompt:      lipgloss.NewStyle().Foreground(accent).Bold(true),
		DetailKey:   lipgloss.NewStyle().Foreground(muted),
		DetailHead:  lipgloss.NewStyle().Bold(true).Foreground(accent),
		Border:      lipgloss.NewStyle().Foreground(muted),
		BarUsed:     lipgloss.NewStyle().Foreground(accent),
		BarFree:     lipgloss.NewStyle().Foreground(orange),
		BarEmpty:    lipgloss.NewStyle().Foreground(muted).Faint(true),
		Good:        lipgloss.NewStyle().Foreground(green),
		InUse:       lipgloss.NewStyle().Foreground(green),
		Stopped:     lipgloss.NewStyle().Foreground(yellow),
		Unused:      lipgloss.NewStyle().Foreground(orange),
		Dangling:    lipgloss.NewStyle().Foreground(red),
		HelpKey:     accent,
		HelpDesc:    muted,
		HelpSep:     muted,
	}
}

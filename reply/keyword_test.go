package reply

import "testing"

func TestKeywordOf(t *testing.T) {
	tests := []struct {
		in   string
		want Keyword
	}{
		{"STOP", Stop},
		{"stop", Stop},
		{" Stop ", Stop},
		{"Stop.", Stop},
		{"STOP!!!", Stop},
		{"stop\n", Stop},
		{"STOPALL", Stop},
		{"Stop all", Stop},
		{"unsubscribe", Stop},
		{"Cancel", Stop},
		{"END", Stop},
		{"quit", Stop},
		{"OPTOUT", Stop},
		{"opt out", Stop},
		{"Opt-out", Stop},
		{"REVOKE", Stop},
		{"Stopp", Stop},
		{"STOPP!", Stop},
		{"ＳＴＯＰ", Stop}, // full-width, from a CJK keyboard
		{"START", Start},
		{"start", Start},
		{"Unstop", Start},
		{"HELP", Help},
		{"help?", Help},
		{"Info", Help},
		{"INFO.", Help},

		{"", None},
		{"   ", None},
		{"5", None},
		{"please stop", None},
		{"stop sending me these", None},
		{"STOP 5", None},
		{"5 stop", None},
		{"YES", None},
		{"Hilfe", None},
		{"stopped", None},
		{"nonstop", None},
		{"endlich", None},
		{"...STOP", None},
		{"STOP " + string(make([]byte, 100)), None},
	}
	for _, tt := range tests {
		if got := KeywordOf(tt.in); got != tt.want {
			t.Errorf("KeywordOf(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestKeywordString(t *testing.T) {
	for k, want := range map[Keyword]string{None: "none", Stop: "stop", Start: "start", Help: "help", Keyword(42): "none"} {
		if got := k.String(); got != want {
			t.Errorf("Keyword(%d).String() = %q, want %q", int(k), got, want)
		}
	}
}

func TestConfirmedByTwilio(t *testing.T) {
	for in, want := range map[string]bool{
		"STOP": true, "stop.": true, "Unsubscribe": true, "START": true, "unstop": true,
		"Stopp": false, "STOPP!": false, "HELP": false, "info": false, "5": false, "please stop": false,
	} {
		if got := ConfirmedByTwilio(in); got != want {
			t.Errorf("ConfirmedByTwilio(%q) = %v, want %v", in, got, want)
		}
	}
}

package feedback

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"
)

func TestDeliveryErrorLeavesOutTheURL(t *testing.T) {
	err := fmt.Errorf("standard: callback: %w", &url.Error{Op: "Post", URL: "https://hooks.example/in/secret-token",
		Err: errors.New("dial tcp 203.0.113.7:443: connection refused")})
	if got := deliveryError(err); strings.Contains(got, "secret-token") || !strings.Contains(got, "connection refused") {
		t.Errorf("deliveryError = %q", got)
	}
}

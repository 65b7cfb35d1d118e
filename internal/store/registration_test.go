package store

import (
	"testing"
	"time"
)

func TestInitialAccessTokenStatus(t *testing.T) {
	now := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	live := InitialAccessToken{MaxUses: 2, Uses: 1, ExpiresAt: now.Add(time.Minute)}
	tests := []struct {
		name string
		edit func(*InitialAccessToken)
		want string
	}{
		{"a use left before expiry", func(*InitialAccessToken) {}, IATActive},
		{"0 max uses is unlimited", func(k *InitialAccessToken) { k.MaxUses, k.Uses = 0, 100 }, IATActive},
		{"every use spent", func(k *InitialAccessToken) { k.Uses = 2 }, IATUsedUp},
		{"expiry is exclusive", func(k *InitialAccessToken) { k.ExpiresAt = now }, IATExpired},
		{"revoked wins over used up and expired", func(k *InitialAccessToken) {
			k.RevokedAt, k.Uses, k.ExpiresAt = now, 2, now.Add(-time.Hour)
		}, IATRevoked},
		{"used up wins over expired", func(k *InitialAccessToken) { k.Uses, k.ExpiresAt = 2, now }, IATUsedUp},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			iat := live
			tt.edit(&iat)
			if got := iat.Status(now); got != tt.want {
				t.Errorf("Status = %q, want %q", got, tt.want)
			}
		})
	}
}

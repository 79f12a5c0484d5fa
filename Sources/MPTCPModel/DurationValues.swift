extension Duration {
    /// The duration in seconds, as a Double (for series and log lines).
    public var secondsValue: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }

    /// The duration in whole nanoseconds, clamped to 0…about 292 years, so
    /// that no conversion of a user-given timeout can overflow.
    public var clampedNanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let clamped = min(max(seconds, 0), Int64.max / 1_000_000_000 - 1)
        return clamped * 1_000_000_000 + max(0, attoseconds / 1_000_000_000)
    }
}

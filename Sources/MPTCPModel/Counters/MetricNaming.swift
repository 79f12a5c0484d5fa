/// How a kernel counter name becomes a Prometheus series name, and back.
///
/// The rule, for a counter `Name` of section `Prefix`:
///
/// 1. split `Name` into words: a new word starts at an upper-case letter that
///    follows a lower-case letter or a digit, and at the last upper-case letter
///    of a run of two or more capitals before it when a lower-case letter
///    follows it (`MPCapableSYNTX` → `MP Capable SYNTX`, `OFOQueueTail` →
///    `OFO Queue Tail`, but `HMacFailure` → `HMac Failure`: a lone capital
///    stays with its word, so no one-letter word such as `h` appears);
/// 2. join the words with `_` in lower case, turning any other character into `_`;
/// 3. prepend the section's series prefix (``NetstatSectionNaming``) and, for a
///    counter, append `_total`.
///
/// So `MPTcpExt` `MPCapableSYNTX` → `mptcp_ext_mp_capable_syntx_total` and
/// `Tcp` `ActiveOpens` → `mptcp_tcp_active_opens_total`. Case is lost on the
/// way, so the way back is explicit: every series' HELP text starts with the
/// name `nstat` prints (`MPTcpExtMPCapableSYNTX`), and the info series
/// `mptcp_ext_info{counter, series, …}` pairs each kernel name with its series.
public enum MetricNaming {
    /// `MPCapableSYNTX` → `mp_capable_syntx`.
    public static func snakeCase(_ name: String) -> String {
        let chars = Array(name.unicodeScalars)
        var out = ""
        out.reserveCapacity(chars.count + 8)
        func isUpper(_ c: Unicode.Scalar) -> Bool { c >= "A" && c <= "Z" }
        func isLower(_ c: Unicode.Scalar) -> Bool { c >= "a" && c <= "z" }
        func isDigit(_ c: Unicode.Scalar) -> Bool { c >= "0" && c <= "9" }
        for (index, char) in chars.enumerated() {
            let alnum = isUpper(char) || isLower(char) || isDigit(char)
            guard alnum else {
                if !out.isEmpty, !out.hasSuffix("_") { out.append("_") }
                continue
            }
            if isUpper(char), index > 0 {
                let previous = chars[index - 1]
                let next: Unicode.Scalar? = index + 1 < chars.count ? chars[index + 1] : nil
                let runBefore = index >= 2 && isUpper(chars[index - 2])
                let startsWord = isLower(previous) || isDigit(previous)
                    || (isUpper(previous) && runBefore && next.map(isLower) == true)
                if startsWord, !out.isEmpty, !out.hasSuffix("_") { out.append("_") }
            }
            out.unicodeScalars.append(char)
        }
        while out.hasSuffix("_") { out.removeLast() }
        return out.lowercased()
    }

    /// The series name of counter `name` in section `prefix`.
    public static func seriesName(prefix: String, name: String, kind: CounterKind) -> String {
        let base = NetstatSectionNaming.seriesPrefix(for: prefix) + "_" + snakeCase(name)
        return kind == .counter ? base + "_total" : base
    }

    /// Whether `name` is a valid Prometheus metric name.
    public static func isValidMetricName(_ name: String) -> Bool {
        if let valid = name.utf8.withContiguousStorageIfAvailable({ bytes -> Bool in
            guard let first = bytes.first else { return false }
            func letter(_ c: UInt8) -> Bool { (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c == 95 || c == 58 }
            return letter(first) && bytes.dropFirst().allSatisfy { letter($0) || ($0 >= 48 && $0 <= 57) }
        }) { return valid }
        guard let first = name.unicodeScalars.first else { return false }
        func ok(_ c: Unicode.Scalar, first: Bool) -> Bool {
            (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || c == "_" || c == ":"
                || (!first && c >= "0" && c <= "9")
        }
        return ok(first, first: true) && name.unicodeScalars.dropFirst().allSatisfy { ok($0, first: false) }
    }
}

/// The series prefix of each `/proc/net` section the exporter reads.
public enum NetstatSectionNaming {
    /// `MPTcpExt` → `mptcp_ext`, `Tcp` → `mptcp_tcp`, `TcpExt` → `mptcp_tcpext`;
    /// any other section `X` → `mptcp_netstat_` + snake case of X.
    public static func seriesPrefix(for prefix: String) -> String {
        switch prefix {
        case "MPTcpExt": return "mptcp_ext"
        case "Tcp": return "mptcp_tcp"
        case "TcpExt": return "mptcp_tcpext"
        default: return "mptcp_netstat_" + MetricNaming.snakeCase(prefix)
        }
    }
}

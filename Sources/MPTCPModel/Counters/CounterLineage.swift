import MPTCPWire

/// In which kernel each MPTcpExt counter appeared or disappeared, so the
/// diagnosis knows what evidence the running kernel can give and says what it
/// cannot. From the kernel's history where it is dated, and from what
/// Debian 12's 6.1.0-57 and 6.12.118 kernels and 6.18.44 showed
/// (`Tests/MPTCPCoreTests/Fixtures/netstat-*`); Debian's kernels carry
/// backports, so a release number alone does not decide: the file does.
public enum CounterLineage {
    public struct Entry: Sendable {
        /// First kernel with the counter, as far as known (`"≤6.1"`, `"6.12"`).
        public let since: String
        /// The earliest release that can have it: `since`'s, the start of a
        /// range (6.2 for "6.2–6.8"), or the oldest seen with a backport.
        public let introduced: (Int, Int)?
        /// The kernel that removed it, if one did.
        public let removed: String?
    }

    /// Counters whose history is known beyond "in every kernel with MPTCP
    /// counters of the 6.1 era" (the 56 of Debian's 6.1 have `≤6.1`).
    public static let changes: [String: Entry] = {
        var table: [String: Entry] = [:]
        func add(_ names: [String], _ since: String, _ version: (Int, Int)?, removed: String? = nil) {
            for name in names { table[name] = Entry(since: since, introduced: version, removed: removed) }
        }
        add(["AddAddrTx", "AddAddrTxDrop", "EchoAddTx", "EchoAddTxDrop", "RmAddrTx", "RmAddrTxDrop",
             "MPJoinSynTx", "MPJoinSynTxCreatSkErr", "MPJoinSynTxBindErr", "MPJoinSynTxConnectErr"], "6.2–6.8", (6, 2))
        add(["MPCurrEstab"], "6.8", (6, 8))
        add(["MPCapableSYNTXDrop", "MPCapableSYNTXDisabled", "Blackhole"], "6.12", (6, 12))
        // Mainline 6.17; Debian's 6.12.118 carries them, so a 6.12 can have them.
        add(["MPCapableDataFallback", "MD5SigFallback", "DssFallback", "SimultConnectFallback", "FallbackFailed"],
            "6.17 (backported to Debian's 6.12)", (6, 12))
        add(["MPJoinRejected"], "6.16", (6, 16))
        add(["WinProbe"], "6.18", (6, 18))
        add(["RcvPruned"], "≤6.1", nil, removed: "6.19 (already gone from 6.18.44; re-added after 6.19)")
        add(["MPJoinNoIdFound", "MPJoinSynAckNoMPJoin", "MPJoinAckNoMPJoin", "MPJoinAckNoCtx", "MPJoinNotEstablished",
             "MD5SigReset", "DssReset", "BacklogDrop", "OFOPruned"], "after 6.18 (net-next)", (6, 19))
        return table
    }()

    /// The first kernel known to have `name`.
    public static func since(_ name: String) -> String { changes[name]?.since ?? "≤6.1" }

    /// Counters the diagnosis reads, with what each tells: when the running
    /// kernel lacks one, the report says what it cannot tell.
    public static let evidence: [(counter: String, tells: String)] = [
        ("MPJoinSynTx", "whether joins were sent (so unanswered joins)"),
        ("MPCapableSYNTXDrop", "fallbacks because SYNs with MP_CAPABLE were dropped"),
        ("MPCapableSYNTXDisabled", "connections opened as TCP while a blackhole disabled MPTCP"),
        ("Blackhole", "blackholes detected"),
        ("MPCapableDataFallback", "fallbacks at the first data"),
        ("DssFallback", "fallbacks on an invalid DSS after the handshake"),
        ("MD5SigFallback", "fallbacks because of TCP-MD5"),
        ("SimultConnectFallback", "fallbacks after a simultaneous connect"),
        ("FallbackFailed", "connections reset because a fallback was impossible"),
        ("MPJoinRejected", "joins refused by the subflow limit"),
        ("MPCurrEstab", "connections currently established, as the kernel counts them"),
    ]

    /// The evidence counters a netstat table lacks (nil when it has no
    /// MPTcpExt section at all: then nothing MPTCP can be told).
    public static func missingEvidence(in table: NetstatTable) -> [(counter: String, tells: String, since: String)]? {
        guard let section = table.section("MPTcpExt") else { return nil }
        let present = Set(section.names)
        return evidence.filter { !present.contains($0.counter) }.map { ($0.counter, $0.tells, since($0.counter)) }
    }
}

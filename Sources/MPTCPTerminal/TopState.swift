import MPTCPModel

/// Everything `mptcp-top` shows and how, without any I/O: the last two
/// snapshots (rates come from their difference), the view, sort, filter,
/// selection and expansion. Keys change it through ``handle(_:)``.
public struct TopState: Sendable {
    public enum View: String, Sendable, CaseIterable { case connections, counters, events }
    public enum SortKey: String, Sendable, CaseIterable { case rate, token, remote, subflows, retransmits }

    public var current: LiveSnapshot?
    public var previous: LiveSnapshot?
    public var view: View = .connections
    public var sort: SortKey = .rate
    public var filter = ""
    /// Text being typed after `/`, nil when not filtering.
    public var filterDraft: String?
    public var selected = 0
    /// First counter line shown in the counters view.
    public var counterScroll = 0
    public var expanded: String?
    /// Every connection's subflows shown, with both ends (batch frames: what
    /// `ss -M` and `ss -ti` together would give a script or a bug report).
    public var allSubflows = false
    public var paused = false
    public var showHelp = false
    public var interval: Double
    public var source: String
    public var namespace: String
    public var quit = false
    public var error: String?

    public init(interval: Double, source: String, namespace: String) {
        self.interval = interval
        self.source = source
        self.namespace = namespace
    }

    /// Takes a new snapshot (ignored while paused).
    public mutating func update(_ snapshot: LiveSnapshot) {
        guard !paused else { return }
        previous = current
        current = snapshot
        clampSelection()
    }

    // MARK: Derived values

    public var elapsed: Double? {
        guard let current, let previous else { return nil }
        let seconds = current.time - previous.time
        return seconds > 0 ? seconds : nil
    }

    /// Per-second change of a counter since the previous refresh (nil when unknown or reset).
    public func rate(counter name: String) -> Double? {
        guard let elapsed, let now = current?.counters[name], let before = previous?.counters[name], now >= before else { return nil }
        return Double(now - before) / elapsed
    }

    public struct Row: Sendable {
        public var connection: LiveSnapshot.ConnectionEntry
        /// Bytes per second, nil on the first refresh.
        public var sendRate: Double?
        public var receiveRate: Double?
    }

    /// Connections after filter and sort, with their rates.
    public var rows: [Row] {
        guard let current else { return [] }
        let before = Dictionary((previous?.connections ?? []).map { ($0.token + $0.local, $0) }, uniquingKeysWith: { a, _ in a })
        var rows = current.connections.map { connection -> Row in
            let old = before[connection.token + connection.local]
            func perSecond(_ now: UInt64?, _ then: UInt64?) -> Double? {
                guard let elapsed, let now, let then, now >= then else { return nil }
                return Double(now - then) / elapsed
            }
            return Row(connection: connection, sendRate: perSecond(connection.bytesSent, old?.bytesSent),
                       receiveRate: perSecond(connection.bytesReceived, old?.bytesReceived))
        }
        if !filter.isEmpty {
            let needle = filter.lowercased()
            rows = rows.filter { row in
                [row.connection.token, row.connection.local, row.connection.remote].contains { $0.lowercased().contains(needle) }
                    || row.connection.subflows.contains { $0.local.contains(needle) || $0.remote.contains(needle) }
            }
        }
        switch sort {
        case .rate:
            rows.sort { (($0.sendRate ?? 0) + ($0.receiveRate ?? 0), $1.connection.token) > (($1.sendRate ?? 0) + ($1.receiveRate ?? 0), $0.connection.token) }
        case .token: rows.sort { $0.connection.token < $1.connection.token }
        case .remote: rows.sort { ($0.connection.remote, $0.connection.token) < ($1.connection.remote, $1.connection.token) }
        case .subflows: rows.sort { ($0.connection.subflows.count, $1.connection.token) > ($1.connection.subflows.count, $0.connection.token) }
        case .retransmits: rows.sort { ($0.connection.retransmits ?? 0, $1.connection.token) > ($1.connection.retransmits ?? 0, $0.connection.token) }
        }
        return rows
    }

    mutating func clampSelection() {
        selected = max(0, min(selected, rows.count - 1))
    }

    // MARK: Keys

    public enum Key: Sendable, Equatable {
        case character(Character)
        case up, down, pageUp, pageDown, home, end, enter, tab, escape, backspace
    }

    public mutating func handle(_ key: Key) {
        if var draft = filterDraft {
            switch key {
            case .enter: filter = draft; filterDraft = nil; selected = 0
            case .escape: filterDraft = nil
            case .backspace: if !draft.isEmpty { draft.removeLast() }; filterDraft = draft
            case let .character(char) where !char.isNewline: draft.append(char); filterDraft = draft
            default: break
            }
            return
        }
        if showHelp, key != .character("?") { showHelp = false; if key == .escape { return } }
        switch key {
        case .character("q"), .character("Q"): quit = true
        case .character("?"): showHelp.toggle()
        case .up, .character("k"):
            if view == .counters { counterScroll = max(0, counterScroll - 1) } else { selected = max(0, selected - 1) }
        case .down, .character("j"):
            if view == .counters { counterScroll += 1 } else { selected = min(max(0, rows.count - 1), selected + 1) }
        case .pageUp: selected = max(0, selected - 10)
        case .pageDown: selected = min(max(0, rows.count - 1), selected + 10)
        case .home, .character("g"): selected = 0
        case .end, .character("G"): selected = max(0, rows.count - 1)
        case .enter:
            let token = rows.indices.contains(selected) ? rows[selected].connection.token : nil
            expanded = expanded == token ? nil : token
        case .character("s"):
            let all = SortKey.allCases
            sort = all[((all.firstIndex(of: sort) ?? 0) + 1) % all.count]
        case .character("/"): filterDraft = filter
        case .escape: filter = ""; expanded = nil
        case .character("p"), .character(" "): paused.toggle()
        case .tab:
            let all = View.allCases
            view = all[((all.firstIndex(of: view) ?? 0) + 1) % all.count]
        case .character("+"), .character("="): interval = min(60, interval < 1 ? interval + 0.25 : interval + 1)
        case .character("-"): interval = max(0.25, interval <= 1 ? interval - 0.25 : interval - 1)
        default: break
        }
        clampSelection()
    }
}

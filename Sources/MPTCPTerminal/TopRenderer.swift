import MPTCPModel

/// Draws a ``TopState`` into a ``Frame`` of the given size. Pure: golden
/// tests render fixture snapshots at 80×24 and 160×50.
public enum TopRenderer {
    /// - Parameter keys: the footer of keys (false in batch frames, which nobody types into).
    public static func render(_ state: TopState, width: Int, height: Int, keys: Bool = true) -> Frame {
        var frame = Frame(width: width)
        header(state, into: &frame, width: width)
        let footer = width >= 90 ? "q quit  ? help  j/k move  Enter expand  s sort  / filter  p pause  Tab view  +/- interval"
                                 : "q quit ? help j/k Enter expand s sort / filter p pause Tab view +/- interval"
        let body = max(0, height - frame.lines.count - (keys ? 1 : 0))
        var content: [[Frame.Span]]
        if state.showHelp {
            content = help().map { [Frame.Span($0)] }
        } else if width >= 150, height >= 30 {
            let left = 92
            let connections = connectionLines(state, width: left - 1, height: body)
            let counterHeight = body * 2 / 3
            let right = counterLines(state, width: width - left, height: counterHeight) + [[Frame.Span("")]]
                + eventLines(state, width: width - left, height: body - counterHeight - 1)
            content = (0..<body).map { row in
                let l = row < connections.count ? connections[row] : []
                let r = row < right.count ? right[row] : []
                return pad(l, left) + r
            }
        } else {
            switch state.view {
            case .connections: content = connectionLines(state, width: width, height: body)
            case .counters: content = counterLines(state, width: width, height: body)
            case .events: content = eventLines(state, width: width, height: body)
            }
        }
        for line in content.prefix(body) { frame.add(line) }
        guard keys else { return frame }
        while frame.lines.count < height - 1 { frame.add("") }
        if let draft = state.filterDraft {
            frame.add("filter: \(draft)_   (Enter apply, Esc cancel)", .bold)
        } else {
            frame.add(footer, .dim)
        }
        return frame
    }

    /// Items joined by two spaces, a new line started where the next would not fit.
    static func pack(_ items: [[Frame.Span]], width: Int) -> [[Frame.Span]] {
        var lines: [[Frame.Span]] = [], current: [Frame.Span] = [], used = 0
        for item in items {
            let length = item.reduce(0) { $0 + $1.text.count }
            if !current.isEmpty, used + 2 + length > width {
                lines.append(current)
                current = []
                used = 0
            }
            if !current.isEmpty {
                current.append(Frame.Span("  "))
                used += 2
            }
            current += item
            used += length
        }
        if !current.isEmpty { lines.append(current) }
        return lines
    }

    static func pad(_ spans: [Frame.Span], _ width: Int) -> [Frame.Span] {
        var used = 0, out: [Frame.Span] = []
        for span in spans where used < width {
            let text = String(span.text.prefix(width - used))
            used += text.count
            out.append(Frame.Span(text, span.style))
        }
        if used < width { out.append(Frame.Span(String(repeating: " ", count: width - used))) }
        return out
    }

    /// Header items, packed into as many lines as the width needs (never cut).
    static func header(_ state: TopState, into frame: inout Frame, width: Int) {
        let snapshot = state.current
        var first: [[Frame.Span]] = [[Frame.Span("mptcp-top", .heading)], [Frame.Span(snapshot?.hostname ?? "?", .bold)],
                                     [Frame.Span("kernel \(snapshot?.kernel ?? "?")")], [Frame.Span("ns " + (snapshot?.namespaces.map { "all \($0.count) (counters summed)" } ?? state.namespace))]]
        switch snapshot?.mptcpEnabled {
        case true?: first.append([Frame.Span("MPTCP on", .good)])
        case false?: first.append([Frame.Span("MPTCP OFF", .alert)])
        case nil: first.append([Frame.Span("MPTCP ?")])
        }
        first += [[Frame.Span("pm \(snapshot?.pathManager ?? "?")")], [Frame.Span("sched \(snapshot?.scheduler ?? "?")")]]
        if state.paused { first.append([Frame.Span("PAUSED", .alert)]) }
        for line in pack(first, width: width) { frame.add(line) }

        let endpoints = snapshot?.endpoints ?? []
        func count(_ flag: String) -> Int { endpoints.filter { $0.flags.contains(flag) }.count }
        let narrow = width < 110
        let subflowLimit = snapshot?.limits?.subflows.map(String.init) ?? "?", addAddr = snapshot?.limits?.addAddrAccepted.map(String.init) ?? "?"
        var second: [[Frame.Span]] = narrow
            ? [[Frame.Span("endpoints \(endpoints.count): sf \(count("subflow")) sig \(count("signal")) bk \(count("backup"))")],
               [Frame.Span("limits \(subflowLimit)/\(addAddr)")]]
            : [[Frame.Span("endpoints \(endpoints.count) (subflow \(count("subflow")) signal \(count("signal")) backup \(count("backup")))")],
               [Frame.Span("limits subflows \(subflowLimit) add_addr \(addAddr)")]]
        second.append([Frame.Span("events "), snapshot?.eventsAvailable == true ? Frame.Span("yes", .good) : Frame.Span("no", .dim)])
        second.append([Frame.Span("source \(state.source)")])
        second.append([Frame.Span("every \(formatInterval(state.interval))")])
        for line in pack(second, width: width) { frame.add(line) }

        let connections = snapshot?.connections ?? []
        let subflows = connections.reduce(0) { $0 + $1.subflows.count }
        let fallback = connections.filter(\.fallback).count
        var third: [[Frame.Span]] = [[Frame.Span("conns \(connections.count)")], [Frame.Span("subflows \(subflows)")],
                                     [Frame.Span("listen \(snapshot?.listeners.count ?? 0)")],
                                     [fallback > 0 ? Frame.Span("fallback \(fallback)", .alert) : Frame.Span("fallback 0")]]
        let rates = [state.rate(counter: "MPCapableSYNTX").map { "open \(Columns.rate($0))/s" },
                     state.rate(counter: "MPCapableSYNRX").map { "accept \(Columns.rate($0))/s" },
                     state.rate(counter: "MPJoinSynAckRx").map { "join \(Columns.rate($0 + (state.rate(counter: "MPJoinAckRx") ?? 0)))/s" }]
            .compactMap { $0 }
        if !rates.isEmpty { third.append([Frame.Span(rates.joined(separator: " "))]) }
        for line in pack(third, width: width) { frame.add(line) }
        if let error = state.error ?? snapshot?.errors.first {
            frame.add("! " + error, .alert)
        }

        var tabs: [Frame.Span] = []
        for view in TopState.View.allCases {
            let title = view.rawValue.prefix(1).uppercased() + view.rawValue.dropFirst()
            tabs.append(view == state.view ? Frame.Span("[\(title)]", .selected) : Frame.Span(" \(title) "))
            tabs.append(Frame.Span(" "))
        }
        tabs.append(Frame.Span(" sort \(state.sort.rawValue)" + (state.filter.isEmpty ? "" : "  filter \"\(state.filter)\"")))
        frame.add(tabs)
    }

    static func connectionLines(_ state: TopState, width: Int, height: Int) -> [[Frame.Span]] {
        let rows = state.rows
        let endpoints = max(20, width - 52)
        // Narrow terminals show the remote end only; the subflows show the local ones.
        let both = width >= 110
        var lines: [[Frame.Span]] = [[Frame.Span(
            " " + Columns.pad("TOKEN", 9) + Columns.pad(both ? "LOCAL -> REMOTE" : "REMOTE", endpoints) + Columns.pad("ST", 6) + Columns.pad("SF a/b/t", 9)
                + "F " + Columns.right("SEND/s", 7) + Columns.right("RECV/s", 7) + Columns.right("RETR", 5) + Columns.right("IDLE", 6), .bold)]]
        if rows.isEmpty {
            lines.append([Frame.Span(state.current == nil ? "waiting for the first refresh…" : "no MPTCP connection" + (state.filter.isEmpty ? "" : " matches the filter"), .dim)])
            return lines + closedLines(state, width: width, room: height - lines.count)
        }
        // Keep the selection visible: scroll by whole rows.
        let room = max(1, height - 1)
        let expandedExtra = rows.first { $0.connection.token == state.expanded }
            .map { subflowLines($0.connection, width: width, bothEnds: both, owners: state.current?.namespaceOwners).count } ?? 0
        let start = max(0, min(state.selected - (room - expandedExtra) / 2, rows.count - max(1, room - expandedExtra)))
        for (index, row) in rows.enumerated().dropFirst(start) {
            guard lines.count < height else { break }
            let c = row.connection
            let active = c.subflows.filter { $0.priority != .backup }.count
            let backup = c.subflows.filter { $0.priority == .backup }.count
            let idle = [c.lastDataSent, c.lastDataReceived].compactMap { $0 }.min().map { formatMilliseconds($0) } ?? "-"
            let stateName = abbreviate(c.state)
            let selected = index == state.selected
            let ends = (c.namespace.map { "[\($0)] " } ?? "") + (both ? "\(c.local) -> \(c.remote)" : c.remote)
            let text = (selected ? ">" : " ") + Columns.pad(c.token, 9) + Columns.pad(ends, endpoints - 1) + " " + Columns.pad(stateName, 6)
                + Columns.pad("\(active)/\(backup)/\(c.subflows.count)", 9) + marker(c)
                + Columns.right(Columns.rate(row.sendRate), 7) + Columns.right(Columns.rate(row.receiveRate), 7)
                + Columns.right(c.retransmits.map(String.init) ?? "-", 5) + Columns.right(idle, 6)
            let alert = c.fallback || c.verdict?.needsAction == true
            lines.append([Frame.Span(Columns.pad(text, width), selected ? .selected : (alert ? .alert : .normal))])
            if state.expanded == c.token || state.allSubflows {
                lines += subflowLines(c, width: width, bothEnds: both || state.allSubflows, owners: state.current?.namespaceOwners)
                    .prefix(max(0, height - lines.count))
            }
        }
        return lines + closedLines(state, width: width, room: height - lines.count)
    }

    /// Seconds a connection that ended stays listed.
    static let closedVisible = 30.0

    /// Connections that ended in the last ``closedVisible`` seconds, most
    /// recent first, flagged `x`: when, after how long, how each subflow
    /// ended, the final bytes per interface.
    static func closedLines(_ state: TopState, width: Int, room: Int) -> [[Frame.Span]] {
        guard room >= 2, let current = state.current, let closed = current.closed else { return [] }
        let recent = closed.filter { current.time - $0.endedAt <= closedVisible && current.time >= $0.endedAt - 1 }
            .filter { state.filter.isEmpty || "\($0.token) \($0.local) \($0.remote)".contains(state.filter) }
        guard !recent.isEmpty else { return [] }
        var lines: [[Frame.Span]] = [[Frame.Span(Columns.pad(" ENDED (last \(Int(closedVisible)) s)", width), .bold)]]
        for entry in recent.prefix(room - 1) {
            let ago = formatDuration(max(0, current.time - entry.endedAt))
            let lived = entry.duration.map { " after \(formatDuration($0))" } ?? ""
            let bytes = entry.interfaces.map { "\($0.interface) \(Columns.human(Double($0.bytesAcked)))" }.joined(separator: " ")
            let ends = (entry.namespace.map { "[\($0)] " } ?? "") + (width >= 110 ? "\(entry.local) -> \(entry.remote)" : entry.remote)
            // How it ended first: on a narrow screen the numbers are what is cut.
            let text = "x" + Columns.pad(entry.token, 9) + Columns.pad(ends, max(20, width - 52) - 1) + " "
                + "\(entry.endSummary) · \(ago) ago\(lived) · \(entry.subflows.count) sf · \(bytes)"
            let failed = entry.subflows.contains { $0.end != "with_connection" && $0.end != "closed" }
            lines.append([Frame.Span(Columns.pad(text, width), failed ? .alert : .dim)])
        }
        return lines
    }

    /// The flag column: `F` fell back to TCP, `!` a verdict an operator should act on (the reason is in the expanded view).
    static func marker(_ c: LiveSnapshot.ConnectionEntry) -> String {
        c.fallback ? "F " : c.verdict?.needsAction == true ? "! " : "  "
    }

    /// One connection's subflows: kind, ends, interface, ids, rtt, cwnd, share
    /// of the bytes. With both ends on a narrow screen (batch frames), the
    /// numbers go on a second line rather than being cut.
    static func subflowLines(_ c: LiveSnapshot.ConnectionEntry, width: Int, bothEnds: Bool, owners: [String: String]? = nil) -> [[Frame.Span]] {
        var lines: [[Frame.Span]] = []
        // With several namespaces, whose namespace this connection is in (its cgroup: a container, a pod, a unit).
        if let namespace = c.namespace, let owner = owners?[namespace] {
            lines.append([Frame.Span(Columns.pad("   namespace \(namespace): \(owner)", width), .dim)])
        }
        // Why it has the paths it has, when something explains it.
        if let verdict = c.verdict, !verdict.reason.isEmpty {
            let why = "   why: \(verdict.kind.rawValue) \(verdict.reason)\(verdict.object.map { " (\($0))" } ?? ""): \(verdict.explanation)"
            lines.append([Frame.Span(Columns.pad(why, width), verdict.needsAction ? .alert : .dim)])
        }
        let total = c.subflows.reduce(UInt64(0)) { $0 &+ ($1.bytesAcked ?? 0) &+ ($1.bytesReceived ?? 0) }
        for subflow in c.subflows {
            let bytes = (subflow.bytesAcked ?? 0) &+ (subflow.bytesReceived ?? 0)
            // Byte counts from a remote exporter may be anything: the share stays within 0…1.
            let share = total > 0 ? min(1, max(0, Double(bytes) / Double(total))) : 0
            let filled = max(0, min(10, Int((share * 10).rounded())))
            let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: 10 - filled)
            let kind = (subflow.role == .initial ? "init" : subflow.role.rawValue) + (subflow.priority == .backup ? "+bk" : "")
            let ends = "   \(Columns.pad(kind, 8))\(bothEnds ? "\(subflow.local) -> \(subflow.remote)" : subflow.local)"
            var detail = "\(subflow.interface ?? "-") id \(subflow.localId.map(String.init) ?? "?")/\(subflow.remoteId.map(String.init) ?? "?")"
            detail += " rtt \(subflow.rtt.map { formatMicroseconds($0) } ?? "-") cwnd \(subflow.cwnd.map(String.init) ?? "-")"
            if width >= 110 { detail += " rate \(subflow.deliveryRate.map { Columns.human(Double($0)) } ?? "-") retr \(subflow.retransmits.map(String.init) ?? "-")" }
            detail += " [\(bar)]\(Columns.right(String(Int((share * 100).rounded())), 4))%"
            if ends.count + 1 + detail.count <= width {
                lines.append([Frame.Span(ends + " " + detail, .dim)])
            } else {
                lines.append([Frame.Span(ends, .dim)])
                lines.append([Frame.Span(String(repeating: " ", count: 12) + detail, .dim)])
            }
        }
        return lines
    }

    static func counterLines(_ state: TopState, width: Int, height: Int) -> [[Frame.Span]] {
        guard let current = state.current else { return [[Frame.Span("waiting for the first refresh…", .dim)]] }
        var lines: [[Frame.Span]] = [[Frame.Span(Columns.pad("CASE DIAGRAMS", max(0, width - 22)) + Columns.right("VALUE", 12) + Columns.right("/s", 10), .bold)]]
        for diagram in CounterCatalog.diagrams {
            var names = CounterCatalog.mptcp.filter { $0.diagram == diagram.id }.map(\.name).filter { current.counters[$0] != nil }
            if diagram.id == CounterCatalog.otherDiagramID {
                names = current.counters.keys.sorted().filter { CounterCatalog.known(section: "MPTcpExt", name: $0) == nil }
            }
            guard !names.isEmpty else { continue }
            lines.append([Frame.Span(diagram.title, .heading)])
            for name in names {
                let descriptor = CounterCatalog.descriptor(mptcpCounter: name)
                let mark: String
                switch descriptor.role {
                case .entry: mark = "in "
                case .exit: mark = "out"
                case .branch: mark = "==>"
                case .detail: mark = " . "
                case .gauge: mark = "[ ]"
                case .pass: mark = " | "
                }
                let rate = state.rate(counter: name)
                let moving = (rate ?? 0) > 0
                let alarming = moving && CounterCatalog.signalsTrouble(name)
                let text = " " + (alarming ? "!" : " ") + mark + " " + Columns.pad(name, max(0, width - 29))
                    + Columns.right(String(current.counters[name] ?? 0), 12) + Columns.right(rate.map { Columns.rate($0) } ?? "-", 10)
                lines.append([Frame.Span(text, alarming ? .alert : (moving ? .bold : .normal))])
            }
        }
        return scroll(lines, state: state, height: height)
    }

    static func eventLines(_ state: TopState, width: Int, height: Int) -> [[Frame.Span]] {
        var lines: [[Frame.Span]] = [[Frame.Span("PATH-MANAGER EVENTS (newest first)", .bold)]]
        guard let current = state.current else { return lines }
        if !current.eventsAvailable {
            lines.append([Frame.Span("events unavailable (needs CAP_NET_ADMIN; not listened to under the userspace path manager)", .dim)])
        } else if current.events.isEmpty {
            lines.append([Frame.Span("no event yet", .dim)])
        }
        for event in current.events {
            let style: Frame.Style = event.type == "sub_closed" || event.type == "removed" ? .alert : .normal
            lines.append([Frame.Span(Columns.clock(event.time) + "  " + event.summary, style)])
        }
        return Array(lines.prefix(height))
    }

    /// In the counters view j/k scroll the list.
    static func scroll(_ lines: [[Frame.Span]], state: TopState, height: Int) -> [[Frame.Span]] {
        guard lines.count > height, height > 1 else { return lines }
        let offset = min(state.counterScroll, lines.count - height)
        return [lines[0]] + Array(lines[(1 + offset)...].prefix(height - 1))
    }

    static func help() -> [String] {
        [
            "mptcp-top: Multipath TCP connections, subflows, Case diagrams and path-manager events",
            "",
            "  q           quit                       ?        this help (any key closes it)",
            "  j k ↑ ↓     move the selection          Enter    expand or collapse the selected connection",
            "  s           cycle the sort: rate, token, remote, subflows, retransmits",
            "  /           filter by address, port or token (Enter apply, Esc cancel); Esc clears",
            "  p space     pause / resume             Tab      connections, counters, events",
            "  + -         change the refresh interval",
            "",
            "Columns: SF a/b/t = active/backup/total subflows, F = fell back to TCP, SEND/RECV in bytes",
            "per second between refreshes, RETR = MPTCP-level retransmissions, IDLE = since last data.",
            "Counters: in/out = where a Case-diagram flow enters and completes, ==> = a branch leaving it,",
            "! = a counter that signals trouble and moved since the last refresh.",
        ]
    }

    static func abbreviate(_ state: ConnectionState) -> String {
        switch state {
        case .established: return "ESTAB"
        case .synSent: return "SYN-S"
        case .synReceived: return "SYN-R"
        case .finWait1: return "FIN-1"
        case .finWait2: return "FIN-2"
        case .closeWait: return "CL-W"
        case .lastAck: return "LACK"
        case .timeWait: return "TIME"
        case .closing: return "CLSG"
        case .close: return "CLOSE"
        case .listen: return "LISTN"
        case .newSynReceived, .boundInactive, .unknown: return String(state.rawValue.prefix(5))
        }
    }

    /// `0.25s`, `3.4s`, `42s`, `5m07s`, `3h12m`.
    static func formatDuration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "-" }
        if seconds < 1 { return String(Double(Int(seconds * 100)) / 100) + "s" }
        if seconds < 10 {
            let tenths = Int(seconds * 10)
            return (tenths % 10 == 0 ? String(tenths / 10) : String(Double(tenths) / 10)) + "s"
        }
        let whole = Int(seconds.rounded(.down))
        if whole < 60 { return "\(whole)s" }
        if whole < 3600 { return "\(whole / 60)m" + (whole % 60 < 10 ? "0" : "") + "\(whole % 60)s" }
        return "\(whole / 3600)h" + (whole % 3600 / 60 < 10 ? "0" : "") + "\(whole % 3600 / 60)m"
    }

    static func formatInterval(_ seconds: Double) -> String {
        seconds == seconds.rounded() ? "\(Int(seconds))s" : "\(seconds)s"
    }
    static func formatMilliseconds(_ ms: UInt32) -> String {
        ms < 1000 ? "\(ms)ms" : (ms < 60_000 ? "\(ms / 1000)s" : "\(ms / 60_000)m")
    }
    static func formatMicroseconds(_ us: UInt32) -> String {
        us < 1000 ? "\(us)us" : (us < 1_000_000 ? "\((Double(us) / 100).rounded() / 10)ms" : "\(us / 1_000_000)s")
    }
}

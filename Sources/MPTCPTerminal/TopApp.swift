#if canImport(Glibc)
import Glibc
#endif
import MPTCPModel

/// The `mptcp-top` loop: refresh every interval, redraw on keys and resizes,
/// restore the terminal however it ends.
public enum TopApp {
    /// Where snapshots come from: the local kernel or a remote exporter.
    public typealias Fetch = () throws -> LiveSnapshot

    public static func now() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }

    /// Interactive mode. Returns when the user quits or a signal arrives.
    public static func runInteractive(state initial: TopState, color: Bool, fetch: Fetch) throws {
        let terminal = Terminal()
        try terminal.enter()
        defer { terminal.restore() }
        var state = initial
        func refresh() {
            do {
                state.update(try fetch())
                state.error = nil
            } catch {
                state.error = "\(error)"
            }
        }
        func draw() {
            let size = Terminal.size()
            terminal.write(TopRenderer.render(state, width: size.width, height: size.height).ansi(height: size.height, color: color))
        }
        refresh()
        draw()
        var next = now() + state.interval
        while !state.quit, !Terminal.interrupted.load(ordering: .relaxed) {
            let keys = terminal.readKeys(timeout: min(0.25, max(0, next - now())))
            for key in keys { state.handle(key) }
            var redraw = !keys.isEmpty
            if Terminal.resized.exchange(false, ordering: .relaxed) {
                terminal.write("\u{1B}[2J")
                redraw = true
            }
            if now() >= next {
                if !state.paused { refresh() }
                next = now() + state.interval
                redraw = true
            }
            if redraw, !state.quit { draw() }
        }
    }

    /// Batch mode (`--once`, `--iterations`, or standard output not a
    /// terminal): plain-text frames, all connections listed.
    /// Returns the errors of the refreshes that failed, for the exit status.
    @discardableResult
    public static func runBatch(state initial: TopState, iterations: Int, width: Int, write: (String) -> Void, fetch: Fetch) -> [String] {
        var state = initial
        state.allSubflows = true
        var failures: [String] = []
        for iteration in 0..<max(1, iterations) {
            if iteration > 0 {
                let deadline = now() + state.interval
                while now() < deadline, !Terminal.interrupted.load(ordering: .relaxed) { usleep(20_000) }
                if Terminal.interrupted.load(ordering: .relaxed) { return failures }
            }
            do {
                state.update(try fetch())
                state.error = nil
            } catch {
                state.error = "\(error)"
                failures.append("\(error)")
            }
            let connections = state.current?.connections ?? []
            let subflowLines = connections.reduce(0) { $0 + 2 * $1.subflows.count }
            let height = 14 + connections.count + subflowLines
            let frame = TopRenderer.render(state, width: width, height: max(24, height), keys: false)
            var text = frame.plain()
            while text.hasSuffix("\n\n") { text.removeLast() }
            write((iteration > 0 ? "\n" : "") + text)
        }
        return failures
    }
}

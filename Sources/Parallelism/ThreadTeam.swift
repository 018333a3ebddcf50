import Foundation
import Synchronization

/// A fixed team of threads that run one job together: the caller is member 0 and `size - 1`
/// dedicated threads are the others (blocking and long numeric work must not run on Swift's cooperative pool).
/// Between phases of a job the members meet at a spinning `barrier`. Between jobs a member spins
/// for a short while, so back-to-back jobs start without a wake-up, then sleeps on a semaphore.
/// The threads end when the team is released.
public final class ThreadTeam: Sendable {
    public let size: Int
    private let state: State

    public init(size: Int) {
        precondition(size > 1, "a team needs at least two members")
        self.size = size
        state = State(size: size)
        for member in 1..<size {
            let state = self.state
            let thread = Thread { state.serve(member) }
            thread.name = "moodwire.inference.\(member)"
            thread.start()
        }
    }

    deinit {
        state.stop()
    }

    /// Runs `body(member)` on every member at once and returns when all have finished.
    public func run(_ body: (Int) -> Void) {
        state.run(body)
    }

    /// Blocks until every member has called it in the current phase.
    public func barrier() {
        state.barrier()
    }

    /// What the dedicated threads share with the caller; they keep it alive, not the team.
    private final class State: @unchecked Sendable {
        /// Spins before a waiting member yields its core: long enough to cover a layer on a busy
        /// machine, short enough not to starve the member it waits for.
        static let spinsBeforeYield = 2_000
        /// Spins before an idle member goes to sleep (tens of microseconds).
        static let spinsBeforeSleep = 40_000

        /// A dedicated member's semaphore and whether it sleeps on it (and must be signalled).
        final class Sleeper: Sendable {
            let wake = DispatchSemaphore(value: 0)
            let sleeping = Atomic<Bool>(false)
        }

        let size: Int
        let sleepers: [Sleeper]
        let jobs = Atomic<Int>(0)
        let finished = Atomic<Int>(0)
        let arrived = Atomic<Int>(0)
        let phases = Atomic<Int>(0)
        let stopping = Atomic<Bool>(false)
        /// The current job, written before `jobs` is incremented and read after it is seen.
        var job: ((Int) -> Void)?

        init(size: Int) {
            self.size = size
            sleepers = (1..<size).map { _ in Sleeper() }
        }

        func run(_ body: (Int) -> Void) {
            withoutActuallyEscaping(body) { body in
                job = body
                finished.store(0, ordering: .relaxed)
                jobs.add(1, ordering: .sequentiallyConsistent)
                wakeSleepers()
                body(0)
                var spins = 0
                while finished.load(ordering: .acquiring) < size - 1 {
                    spins += 1
                    if spins > Self.spinsBeforeYield { sched_yield() }
                }
                job = nil
            }
        }

        func barrier() {
            let phase = phases.load(ordering: .acquiring)
            if arrived.add(1, ordering: .acquiringAndReleasing).newValue == size {
                arrived.store(0, ordering: .relaxed)
                phases.add(1, ordering: .releasing)
                return
            }
            var spins = 0
            while phases.load(ordering: .acquiring) == phase {
                spins += 1
                // On a busy machine the member we wait for may be descheduled; spinning on would
                // keep it off the core.
                if spins > Self.spinsBeforeYield { sched_yield() }
            }
        }

        func serve(_ member: Int) {
            let sleeper = sleepers[member - 1]
            var seen = 0
            while true {
                var spins = 0
                while jobs.load(ordering: .acquiring) == seen && spins < Self.spinsBeforeSleep { spins += 1 }
                if jobs.load(ordering: .sequentiallyConsistent) == seen {
                    sleeper.sleeping.store(true, ordering: .sequentiallyConsistent)
                    if jobs.load(ordering: .sequentiallyConsistent) == seen {
                        sleeper.wake.wait()
                    } else if !sleeper.sleeping.exchange(false, ordering: .sequentiallyConsistent) {
                        // The caller saw us asleep and signalled: take the signal.
                        sleeper.wake.wait()
                    }
                }
                seen = jobs.load(ordering: .acquiring)
                if stopping.load(ordering: .acquiring) { return }
                job?(member)
                finished.add(1, ordering: .releasing)
            }
        }

        func stop() {
            stopping.store(true, ordering: .sequentiallyConsistent)
            jobs.add(1, ordering: .sequentiallyConsistent)
            wakeSleepers()
        }

        private func wakeSleepers() {
            for sleeper in sleepers where sleeper.sleeping.exchange(false, ordering: .sequentiallyConsistent) {
                sleeper.wake.signal()
            }
        }
    }
}

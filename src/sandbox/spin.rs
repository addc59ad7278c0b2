//! The pool's one "poll before sleeping" policy. On this kind of virtual
//! machine a thread woken from sleep costs tens of microseconds, about as
//! much as a short run, so both ends of a call poll for a short window
//! before they sleep: a runtime's thread for its next job, and the task
//! that sent a job for its answer. [`IdleSpin`] is that window and the two
//! ways to poll through it.

use std::time::{Duration, Instant};

/// What one poll found.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Polled<T> {
    /// The awaited value.
    Ready(T),
    /// The other end is gone; nothing will come.
    Gone,
    /// Nothing yet.
    Empty,
}

/// How a poll through the window ended.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Spun<T> {
    Ready(T),
    Gone,
    /// The window ended (or the caller stopped it) with nothing: sleep now.
    Sleep,
}

/// The window to poll in before sleeping; zero turns polling off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct IdleSpin {
    window: Duration,
}

impl IdleSpin {
    /// No polling: sleep at once.
    pub(crate) const OFF: Self = Self { window: Duration::ZERO };

    pub(crate) fn new(window: Duration) -> Self {
        Self { window }
    }

    pub(crate) fn is_off(self) -> bool {
        self.window.is_zero()
    }

    /// Polls on a thread of its own (a runtime's), yielding the CPU between
    /// tries so a thread ready to run on this core (the one preparing the
    /// next call, say) is never delayed by the polling.
    pub(crate) fn on_thread<T>(self, mut poll: impl FnMut() -> Polled<T>) -> Spun<T> {
        if self.is_off() {
            return Spun::Sleep;
        }
        let until = Instant::now() + self.window;
        loop {
            match poll() {
                Polled::Ready(value) => return Spun::Ready(value),
                Polled::Gone => return Spun::Gone,
                Polled::Empty if Instant::now() >= until => return Spun::Sleep,
                Polled::Empty => std::thread::yield_now(),
            }
        }
    }

    /// Polls inside an async task until the window ends or `stop` says so.
    /// Between tries the task keeps its thread (yielding the CPU) while
    /// `hold` allows it and for at most `max_hold`; otherwise it yields to
    /// tokio, which lets other tasks run but may wake another worker thread.
    /// Keeping the thread is what a lone call wants: handing the task back
    /// would wake the other workers for nothing.
    pub(crate) async fn in_task<T>(
        self,
        max_hold: Duration,
        hold: impl Fn() -> bool,
        stop: impl Fn() -> bool,
        mut poll: impl FnMut() -> Polled<T>,
    ) -> Spun<T> {
        if self.is_off() {
            return Spun::Sleep;
        }
        let started = Instant::now();
        while started.elapsed() < self.window && !stop() {
            match poll() {
                Polled::Ready(value) => return Spun::Ready(value),
                Polled::Gone => return Spun::Gone,
                Polled::Empty if started.elapsed() < max_hold && hold() => std::thread::yield_now(),
                Polled::Empty => tokio::task::yield_now().await,
            }
        }
        Spun::Sleep
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    fn poll_channel<T>(receiver: &mpsc::Receiver<T>) -> Polled<T> {
        match receiver.try_recv() {
            Ok(value) => Polled::Ready(value),
            Err(mpsc::TryRecvError::Disconnected) => Polled::Gone,
            Err(mpsc::TryRecvError::Empty) => Polled::Empty,
        }
    }

    #[test]
    fn off_never_polls() {
        let mut polls = 0;
        let spun: Spun<()> = IdleSpin::OFF.on_thread(|| {
            polls += 1;
            Polled::Ready(())
        });
        assert_eq!((spun, polls), (Spun::Sleep, 0));
    }

    #[test]
    fn on_a_thread_it_takes_what_arrives_within_the_window() {
        let (sender, receiver) = mpsc::channel();
        let sending = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(5));
            sender.send(7).expect("send");
        });
        assert_eq!(IdleSpin::new(Duration::from_secs(10)).on_thread(|| poll_channel(&receiver)), Spun::Ready(7));
        sending.join().expect("join");
    }

    #[test]
    fn on_a_thread_it_gives_up_after_the_window_or_when_the_sender_is_gone() {
        let (sender, receiver) = mpsc::channel::<u8>();
        let started = Instant::now();
        assert_eq!(IdleSpin::new(Duration::from_millis(2)).on_thread(|| poll_channel(&receiver)), Spun::Sleep);
        assert!(started.elapsed() >= Duration::from_millis(2));
        drop(sender);
        assert_eq!(IdleSpin::new(Duration::from_secs(10)).on_thread(|| poll_channel(&receiver)), Spun::Gone);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn in_a_task_it_takes_what_arrives_holds_only_while_allowed_and_stops_when_told() {
        let (sender, receiver) = mpsc::channel();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(5));
            let _ = sender.send("answer");
        });
        let window = IdleSpin::new(Duration::from_secs(10));
        let spun = window.in_task(Duration::from_micros(300), || true, || false, || poll_channel(&receiver)).await;
        assert_eq!(spun, Spun::Ready("answer"));

        // Told to stop: it returns at once, without polling.
        let (_sender, idle) = mpsc::channel::<u8>();
        let mut polls = 0;
        let spun = window
            .in_task(
                Duration::ZERO,
                || false,
                || true,
                || {
                    polls += 1;
                    poll_channel(&idle)
                },
            )
            .await;
        assert_eq!((spun, polls), (Spun::Sleep, 0));

        // Never holding the thread, it still ends with the window.
        let short = IdleSpin::new(Duration::from_millis(2));
        assert_eq!(short.in_task(Duration::ZERO, || false, || false, || poll_channel(&idle)).await, Spun::Sleep);
    }
}

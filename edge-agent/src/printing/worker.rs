//! The print workers: one per printer, draining its queue oldest first with
//! capped backoff while the printer is unreachable, sending drawer pulses
//! while they are fresh, and keeping each printer's health for the status
//! the till shows. See the module doc of [`super`] for the rules.

use super::*;

impl Printers {
    fn set_health(&self, name: &str, f: impl FnOnce(&mut Health)) {
        let mut map = self.inner.health.lock().unwrap_or_else(|e| e.into_inner());
        f(map.entry(name.to_owned()).or_default());
    }

    fn answers(&self, name: &str) -> bool {
        self.inner
            .health
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(name)
            .is_some_and(|h| h.answers)
    }

    /// Starts one worker per printer; they run until the agent stops.
    pub fn start(&self) -> Vec<tokio::task::JoinHandle<()>> {
        self.inner
            .configs
            .iter()
            .map(|p| tokio::spawn(self.clone().work(p.clone())))
            .collect()
    }

    /// Sends the drawer pulses asked of `printer` that are still fresh; the
    /// others are settled as not sent.
    async fn serve_drawer(&self, printer: &PrinterConfig) {
        let asks = self
            .inner
            .drawer
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&printer.name)
            .unwrap_or_default();
        for ask in asks {
            let error = if ask.asked.elapsed() > DRAWER_FRESH {
                Some(format!(
                    "not sent: the printer could not be reached within {} s; \
                     open the drawer with a supervisor",
                    DRAWER_FRESH.as_secs()
                ))
            } else {
                let transport = printer.transport.clone();
                let answers = self.answers(&printer.name);
                let mut e = escpos::Encoder::raw();
                e.drawer_pulse_now();
                let bytes = e.into_bytes();
                let outcome = tokio::task::spawn_blocking(move || {
                    let mut link = transport.open(LINK_TIMEOUT)?;
                    transport::print_job(&mut *link, &bytes, LINK_TIMEOUT, answers, false)
                })
                .await
                .unwrap_or_else(|e| Err(transport::PrintError::Unreachable(e.to_string())));
                match outcome {
                    Ok(printed) => {
                        if printed.answered {
                            self.set_health(&printer.name, |h| h.answers = true);
                        }
                        None
                    }
                    // The pulse went out; the drawer has most likely opened.
                    Err(e) if e.went_out() => None,
                    Err(e) => Some(format!("not sent: {e}")),
                }
            };
            if let Some(e) = &error {
                tracing::warn!(printer = %printer.name, job = ask.job, error = %e, "drawer not opened");
            }
            let id = ask.job;
            if let Err(e) = self
                .inner
                .store
                .call(move |c| print_jobs::settle_drawer(c, id, error.as_deref()))
                .await
            {
                tracing::error!(job = id, error = %e, "cannot settle a drawer pulse");
            }
        }
    }

    async fn work(self, printer: PrinterConfig) {
        let store = self.inner.store.clone();
        let (Some(wake), Some(urgent)) = (
            self.inner.wake.get(&printer.name),
            self.inner.urgent.get(&printer.name),
        ) else {
            return;
        };
        // Tries of the oldest job that did not print, for the backoff.
        let mut failures: u32 = 0;
        let mut trying: Option<i64> = None;
        loop {
            self.serve_drawer(&printer).await;
            let name = printer.name.clone();
            let next = match store.call(move |c| print_jobs::next(c, &name)).await {
                Ok(n) => n,
                Err(e) => {
                    tracing::error!(printer = %printer.name, error = %e, "print queue unreadable");
                    tokio::time::sleep(Duration::from_secs(5)).await;
                    continue;
                }
            };
            let Some(job) = next else {
                // Woken by a new job, a retry or a drawer pulse; the timeout
                // only guards against a lost wake-up.
                tokio::select! {
                    _ = wake.notified() => {}
                    _ = urgent.notified() => {}
                    _ = tokio::time::sleep(Duration::from_secs(5)) => {}
                }
                continue;
            };
            let id = job.id;
            if trying != Some(id) {
                // A new oldest job (the last one printed or was set aside).
                trying = Some(id);
                failures = 0;
            }
            // A copy after one that may have printed says so.
            let bytes = if job.copies_sent > 0 && !printer.is_label_printer() {
                let mut e = escpos::Encoder::new(codepage::CodePage::Cp437);
                e.align(escpos::Align::Center)
                    .bold(true)
                    .double(true)
                    .line("DUPLICATE")
                    .double(false)
                    .bold(false)
                    .align(escpos::Align::Left);
                let mut b = e.into_bytes();
                b.extend_from_slice(&job.payload);
                b
            } else {
                job.payload
            };
            let transport = printer.transport.clone();
            let answers = self.answers(&printer.name);
            let one_way = printer.is_label_printer();
            let outcome = tokio::task::spawn_blocking(move || {
                let mut link = transport.open(LINK_TIMEOUT)?;
                if one_way {
                    // ZPL and TSPL printers do not speak ESC/POS status.
                    link.write_all(&bytes)
                        .map_err(|e| transport::PrintError::Interrupted(e.to_string()))?;
                    return Ok(transport::Printed::default());
                }
                transport::print_job(&mut *link, &bytes, LINK_TIMEOUT, answers, true)
            })
            .await
            .unwrap_or_else(|e| Err(transport::PrintError::Unreachable(e.to_string())));
            match outcome {
                Ok(printed) => {
                    failures = 0;
                    if let Err(e) = store.call(move |c| print_jobs::mark_printed(c, id)).await {
                        tracing::error!(job = id, error = %e, "cannot mark job printed");
                    }
                    self.set_health(&printer.name, |h| {
                        h.state = Some(if printed.paper.is_some_and(|p| p.paper_low) {
                            "paper_low"
                        } else {
                            "ready"
                        });
                        h.answers |= printed.answered;
                        h.last_error = None;
                        h.retry_at = None;
                        h.last_printed_at = Some(Timestamp::now());
                    });
                }
                Err(error) => {
                    failures = failures.saturating_add(1);
                    let message = error.to_string();
                    let sent = error.went_out();
                    tracing::warn!(printer = %printer.name, job = id, error = %message, "print failed");
                    let pause = pos_shared::retry::backoff(failures, self.inner.retry_max);
                    self.set_health(&printer.name, |h| {
                        h.state = Some("error");
                        h.last_error = Some(message.clone());
                        h.retry_at = Some(Timestamp::from_unix_millis(
                            Timestamp::now().unix_millis() + pause.as_millis() as i64,
                        ));
                    });
                    if let Err(e) = store
                        .call(move |c| print_jobs::mark_attempt_failed(c, id, &message, sent))
                        .await
                    {
                        tracing::error!(job = id, error = %e, "cannot record a print try");
                    }
                    // New jobs wait behind this one; a drawer pulse or a
                    // cashier's retry cuts the pause short.
                    tokio::select! {
                        _ = urgent.notified() => {}
                        _ = tokio::time::sleep(pause) => {}
                    }
                }
            }
        }
    }
}

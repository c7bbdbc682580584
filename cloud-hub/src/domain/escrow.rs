//! The hub's side of an escrow kept by tills apart (`pos_shared::credit`
//! has the scheme): a limit the tills may use between them, each till's
//! cumulative grant only ever raised, and only while the sum over tills of
//! `granted − released` stays within the limit. Credit lends against a
//! customer's limit; loyalty lets points be redeemed against their balance.

use pos_shared::TerminalId;

/// The part of what is free that the tills hold between them for offline
/// use; the rest stays with the hub for top-ups made online, so the whole
/// of it can be used at any one till while it can reach the hub.
pub const OFFLINE_SHARE_PERCENT: i64 = 50;

/// One till's standing on an account, as the hub has heard it.
pub trait Holding {
    fn terminal(&self) -> TerminalId;
    /// Cumulative grant, never lowered.
    fn granted(&self) -> i64;
    fn set_granted(&mut self, granted: i64);
    /// Cumulative amount the till gave back.
    fn released(&self) -> i64;
    /// Used at the till: lent on credit, points redeemed.
    fn used(&self) -> i64;
    /// Given back at the till by the customer: paid, points earned.
    fn returned(&self) -> i64;

    /// What the till may still use, as far as the hub knows.
    fn holds(&self) -> i64 {
        pos_shared::credit::allowance(
            self.granted(),
            self.released(),
            self.returned(),
            self.used(),
        )
    }
}

/// Raises the grants of the home tills toward an equal share of the offline
/// part of the headroom (the limit less what is used, net), never past the
/// limit and never lowering a grant. A till that just gave back
/// (`released_by`) is not raised again in the same turn: it said it holds
/// more than its share, and where its count and the hub's differ topping it
/// up would only be given back again, round after round. Returns the share
/// each till is to keep.
pub fn regrant<H: Holding>(
    limit: i64,
    closed: bool,
    shares: &mut [H],
    home: &[TerminalId],
    released_by: Option<TerminalId>,
) -> i64 {
    let used: i64 = shares.iter().map(|s| s.used() - s.returned()).sum();
    let mut free = limit - held(shares);
    if closed || home.is_empty() {
        return 0;
    }
    let headroom = (limit - used).max(0);
    let keep = headroom * OFFLINE_SHARE_PERCENT / 100 / home.len() as i64;
    for share in shares
        .iter_mut()
        .filter(|s| home.contains(&s.terminal()) && Some(s.terminal()) != released_by)
    {
        let raise = (keep - share.holds()).min(free);
        if raise > 0 {
            share.set_granted(share.granted() + raise);
            free -= raise;
        }
    }
    keep
}

/// Raises one till's grant by what it needs now, as far as the limit
/// allows; returns by how much.
pub fn top_up<H: Holding>(limit: i64, shares: &mut [H], till: TerminalId, need: i64) -> i64 {
    let free = limit - held(shares);
    let Some(share) = shares.iter_mut().find(|s| s.terminal() == till) else {
        return 0;
    };
    let raise = need.min(free).max(0);
    share.set_granted(share.granted() + raise);
    raise
}

/// What the tills hold of the limit between them: each till's grant less
/// what it gave back, or what it used net where that is more. A till uses
/// past its grant only when the hub refused something it counted (a return
/// whose refund it then gave back as excess): the limit covers that too.
pub fn held<H: Holding>(shares: &[H]) -> i64 {
    shares
        .iter()
        .map(|s| (s.granted() - s.released()).max(s.used() - s.returned()))
        .sum()
}

<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en">
<context>
    <name>tabella::kiosk::KioskModel</name>
    <message>
        <source>TEST ELECTION — %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This kiosk is not yet enrolled for this election. Please ask a poll worker.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This kiosk is not ready yet. Please ask a poll worker for help.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This checked ballot is now published on the election record. It will not be counted.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This checked ballot is saved on this kiosk and will be published on the election record. It will not be counted.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This checked ballot could not be published. A poll worker has been alerted. It will not be counted.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>log size %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This voting code has already been used. Please ask a poll worker for a new code, then type it here. Your choices are kept.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This voting code is not valid for this election. Please check it, or ask a poll worker for a new code. Your choices are kept.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Your ballot could not be recorded because voting is closed. Please ask a poll worker for help.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Your ballot could not be recorded. Please ask a poll worker for help.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose one.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose exactly %1.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose one, or leave it blank.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose up to %1.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Contest %1 of %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>You have not chosen anything yet.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>You have chosen %1 of %2.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No choice made: this contest will be left blank.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>You chose %1 of %2. You may choose %3 more.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>That voting code is not complete or has a typing error. A voting code has 16 letters and digits, like ABCD-EFGH-JKLM-NPQR. Please check it and try again.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Checking your voting code…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Your voting code could not be checked now because the election record cannot be reached. You can vote; the code is checked when your ballot is cast.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This voting code has already been used. Please ask a poll worker for a new code.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This voting code is for another polling place (%1), not this one (%2). Please ask a poll worker.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This voting code is not valid for this election. Please check it and try again, or ask a poll worker.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>You have already chosen %1, the most allowed in this contest. To choose this one, first remove one of your choices.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Please choose at least %1 in this contest.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sealing your ballot…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Your choices could not be sealed. Please review them again.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Recording your ballot…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Opening your ballot for checking…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Too many wrong PINs. Try again in a minute.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No poll-worker PIN is configured on this kiosk.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Wrong PIN.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>a voting code was used twice — the voter was asked for a new code; the same sealed ballot is cast with it</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>a voting code that is not valid for this election was typed — the voter was asked for a valid code</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>a ballot arrived when the polls were not open — it was not counted</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>a checked ballot arrived when the polls were not open</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>a ballot arrived out of order after an earlier one was refused — the election office must review this kiosk&apos;s ballots</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>this kiosk is not allowed to record ballots (not enrolled or removed) — call the election office</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>refused by the election record (%1) — call the election office</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>polls open</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>polls not yet open</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>polls closed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>polls closed, counting (%1)</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>tabella::kiosk::KioskWindow</name>
    <message>
        <source>Tabella voting kiosk</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Starting</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The kiosk is getting ready. Please wait.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Kiosk not ready</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This kiosk is closed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Voting is not open at this kiosk. Please ask a poll worker.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Please wait. This takes a few seconds.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Kiosk fingerprint: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Public key: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>An election official enrols it with: tabella-admin kiosks enrol --public-key %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Detail for poll workers: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Poll worker</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>For poll workers only: opens the PIN screen.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Welcome</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>You can choose your language, a larger text size or high contrast before you start. Use the Tab and arrow keys to move, Enter to choose, Escape to go back.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Language</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Show the ballot and the kiosk in %1.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source> Selected.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Text size</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Standard</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Large</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Extra large</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Set the text size to %1.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>High contrast: on</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>High contrast: off</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Switch between normal colours and white text on black.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Start voting</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Begin: you will be asked for your voting code.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Enter a new voting code</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Your voting code</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Type the code printed on the card a poll worker gave you, or scan it. Capital or small letters and spaces do not matter.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Voting code</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>16 letters and digits, in four groups. Press Enter when done.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Back</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Return to the welcome screen.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cast with this code</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Continue</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Check the code and continue.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Chosen. Press to remove this choice.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Not chosen. Press to choose.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Not available: you have already chosen %1, the most allowed. Remove a choice first.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Go to the previous step.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Back to review</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Review my choices</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Next contest</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Continue. You may leave a contest blank or choose fewer than allowed.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Review your choices</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Check every contest. Contests marked in yellow have fewer choices than allowed. Choose &quot;Change&quot; to edit a contest.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>(blank)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Change</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Change your choices for %1.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Change %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Go to the last contest.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>These are my choices</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Seal (encrypt) your ballot. You can still check it or cast it next.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Your ballot is sealed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Your tracking code:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tracking code %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cast your ballot to have it counted. Or, if you want to make sure the kiosk sealed your choices correctly, check it: the kiosk then shows what it sealed and publishes it, that ballot is NOT counted, and you vote again.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cast my ballot</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Record your ballot. It will be counted.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Change my choices</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Go back to the review. This sealed ballot is discarded.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Check this ballot (not counted)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open this sealed ballot to verify it. It will not be counted and you will vote again.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Checked ballot: NOT counted</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The ballot with tracking code %1 contained:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>If this is not what you chose, tell a poll worker.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Print</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Print what this checked ballot contained.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Continue and vote</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Return to your choices to seal a new ballot.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Your ballot has been recorded</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Thank you for voting. The election record has confirmed your ballot.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Your ballot is saved</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Your ballot is recorded on this kiosk; confirmation from the election record is pending. It will be sent automatically. You do not need to wait.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Your ballot was not recorded</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tracking code:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Use it to find your ballot on the election record later.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Checkpoint: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>QR code of your tracking code</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Print receipt</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Print a receipt with your tracking code.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Done</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Finish. The screen is cleared for the next voter.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Enter the poll-worker PIN.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>PIN</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The poll-worker PIN. Press Enter when done.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Return to the voter screen.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Enter</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Check the PIN.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Kiosk</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>open</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>closed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Ledger</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>checking…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>reachable (%1)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>NOT reachable</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Waiting to be sent</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Ballots cast here</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Ballots checked here</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Kiosk fingerprint</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Refused by the ledger: %1 — contact the election office</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>#%1 %2, sequence %3: %4</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>cast</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>checked</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Last error: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Close this kiosk</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open this kiosk</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Allow or stop voting on this kiosk.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Send now</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Making the report…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 saved: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Polls-opened report</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Print the zero report: this kiosk's counts at the opening.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Polls-closed report</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Print the closing report: this kiosk's counts and last ballot as the election record's closing entry names them.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Try to send waiting ballots to the ledger now.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Exit</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Leave poll-worker mode.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Checked ballot — NOT counted</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Ballot receipt</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tracking code: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Ballot code: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Time (UTC): %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Recorded. Checkpoint: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Recorded on this kiosk; confirmation from the election record is pending.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Are you still voting?</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>1 second</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 seconds</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Your ballot is sealed but NOT cast yet. If you do not continue, it will be discarded and NOT counted, and the screen will be cleared in %1.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The screen will be cleared for the next voter in %1 and your choices will be lost.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Press any key or touch the screen to continue voting.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The polls are closed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Voting has ended. This kiosk does not accept ballots any more.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Largest</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Standard colours</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>White on black</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Black on white</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Text size is %1. Press for %2.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Contrast</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Colours: %1. Press for %2.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 (%2 more).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose your language, text size and colours, then start. Tab and the arrow keys move, Enter chooses, Escape goes back.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Show the screen in %1.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Settings %1 to %2 of %3</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>More settings</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Previous settings</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choices %1 to %2 of %3</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>More choices</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Previous choices</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Contests %1 to %2 of %3</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>More contests</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Previous contests</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>NOT cast yet: only &quot;Cast my ballot&quot; counts it.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Or check it first: the kiosk shows what it sealed. A checked ballot is NOT counted, and you vote again.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Check this ballot</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>To check your ballot later, scan the QR code, or look up your tracking code on the election&apos;s public website.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>not accepting ballots: the polls are closed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Election record</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Refused by the election record: %1 — contact the election office</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Full tracking code: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Your ballot was recorded on the election record.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Your ballot is saved on this kiosk and will be sent to the election record.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>How to check your ballot: scan the QR code or open the address below. The page must show your tracking code as a cast ballot. If it does not, tell the election office.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Audio ballot in use</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The screen is blank for the voter&apos;s privacy.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Audio ballot: on</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Audio ballot</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The ballot is read aloud. Press to turn it off.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Have the ballot read aloud through headphones (or press F1).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>NOT available: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1; %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>in use</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>ready</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Show the voter&apos;s screen</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Blank the voter&apos;s screen</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Headphone mode: the voter&apos;s screen shows only &quot;Audio ballot in use&quot; while the ballot is read aloud (privacy).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Audio ballot: NO voice for %1: it would be read by another language&apos;s voice. Install the voice or call the election office.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Switch scanning: on</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Switch scanning: off</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Two-switch scanning for voters who use switches: one switch (Space) moves the highlight to the next control, the other (Enter) selects it.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Highlighted: %1.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose your language, text size and colours, then start. Switch scanning: Space moves the highlight, Enter chooses.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>tabella::kiosk::AudioGuide</name>
    <message>
        <source>Audio ballot.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The screen is now blank, for your privacy. Press the same key to show it again.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The screen is now shown.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Group %1: %2.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Selected.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Not selected.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Not available: you have already chosen %1, the most allowed in this contest. Remove a choice first.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choice %1 of %2: %3. %4</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Use the up and down keys to move, select to choose, and back to go back.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The kiosk is getting ready. Please wait.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This kiosk is not ready. Please ask a poll worker.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The polls are closed. This kiosk does not accept ballots any more.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This kiosk is closed. Please ask a poll worker.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Welcome to %1. %2 Press down to choose your language, then start voting.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Enter a new voting code. Your sealed ballot is kept and will be cast with the new code.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Your voting code. Type the code on your card, or scan it, or ask a poll worker to enter it. Then press Enter.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 choices. Press down to hear them.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Review your choices. %1 contests.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Contests with fewer choices than allowed: %1.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Press down to hear each contest; select on a contest changes it. The last item seals your ballot.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Please wait.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Your ballot is sealed. It is NOT cast yet: only Cast my ballot counts it. Your tracking code is: %1 Press down for Cast my ballot, Check this ballot, or Change my choices.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Checked ballot: NOT counted. The ballot with tracking code %1 contained:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>blank, no choice</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>If this is not what you chose, tell a poll worker. Press down, then select, to continue and vote.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Your ballot has been cast and recorded. Thank you for voting. Your tracking code is: %1 Press down for Done.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Your ballot is cast and saved on this kiosk; the election record will confirm it later. Your tracking code is: %1 Press down for Done.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Your ballot was not recorded.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Please ask a poll worker.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Poll worker screen.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Press select to use this language.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Start voting.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Back to review.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Review my choices.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Next contest.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Press select to change it.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>These are my choices: seal my ballot. You can still check it or cast it next.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cast my ballot. It will be counted.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Check this ballot. It is opened and NOT counted, and you vote again.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Change my choices. This sealed ballot is discarded.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Your tracking code is: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Continue and vote: back to your choices, to seal a new ballot.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Done. The screen is cleared for the next voter.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>End of this screen.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>There is no going back from here.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Volume %1 percent.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Faster.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Slower.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1: selected.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1: not selected.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>You are still voting. Continuing.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>1 second</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 seconds</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Are you still voting?</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Your ballot is sealed but NOT cast yet. If you do not continue, it will be discarded and NOT counted in %1.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Your choices will be cleared in %1.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Press any key to continue voting.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Your session has ended and the screen is cleared. The audio ballot is off.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>tabella::kiosk::PollReport</name>
    <message>
        <source>Polls-opened report (zero report)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Polls-closed report</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This kiosk has not loaded the election yet, so no report can be made. Check that it is enrolled and can reach the election record, then try again.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>could not be reached (%1)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>not accepting ballots: the polls are closed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>open for voters</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>closed to voters (a poll worker can open it)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The polls are already closed, so there is no polls-opened report to make. Print the polls-closed report instead.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The election record could not be reached: the counts are this kiosk&apos;s own, and its name and precinct are not shown. Print the report again when the network is back.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This is NOT a zero report: ballots were already cast or checked on this kiosk.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The polls are not closed yet, so the polls-closed report cannot be made. It can be printed once the election office has closed the polls.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The election record cannot be reached. The polls-closed report needs its closing entry, which names this kiosk&apos;s counts: try again when the network is back.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The election record&apos;s closing entry does not name this kiosk: it was not enrolled for this election. Call the election office.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The last ballot this kiosk sealed (number %1, code %2) is not the last one the election record holds for it (code %3): ballots of this kiosk are missing from the record. Call the election office.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 ballots are waiting on this kiosk to be sent to the election record.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 ballots are still on this kiosk and were never confirmed by the election record: they are NOT counted. Call the election office.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The election record refused %1 entries from this kiosk (listed above).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>(unknown: the election record could not be reached)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Election: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Election identity: %1 (record %2)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Kiosk: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Kiosk fingerprint: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Precinct: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Time: %1 UTC</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Kiosk state: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Election record: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Counts and last ballot as the election record&apos;s polls-close entry names them:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Ballots cast: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Ballots checked (opened for checking, not counted): %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Waiting on this kiosk to be sent: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Refused by the election record: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Ballots sealed on this kiosk (last number): %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Chain head (the last ballot&apos;s code): %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Zero report: no ballot has been cast or checked on this kiosk.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Nothing to report: every ballot of this kiosk is in the election record.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>To report to the election office:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Poll worker: ____________________    Poll worker: ____________________</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>tabella::kiosk::QtSpeechSink</name>
    <message>
        <source>No text-to-speech engine is installed (the package qt6-speech-flite-plugin): the audio ballot cannot speak.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The text-to-speech engine &quot;%1&quot; is not installed (installed: %2).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>engine %1, voice %2 (%3)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>; no %1 voice: the text in %1 is read with this voice</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>tabella::kiosk::EspeakSpeechSink</name>
    <message>
        <source>espeak-ng is already in use by another voice of this program</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the espeak-ng voices are not installed (the package espeak-ng-data): the audio ballot cannot speak</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>espeak-ng has no voice installed (the package espeak-ng-data)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>no sound device: no sound card (/proc/asound/cards) and no PulseAudio or PipeWire server; connect the headphones&apos; sound card and restart the kiosk</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>engine espeak-ng, voice %1 (%2)</source>
        <translation type="unfinished"></translation>
    </message>
</context>
</TS>

<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="es">
<context>
    <name>tabella::kiosk::KioskModel</name>
    <message>
        <source>TEST ELECTION — %1</source>
        <translation>ELECCIÓN DE PRUEBA — %1</translation>
    </message>
    <message>
        <source>This kiosk is not yet enrolled for this election. Please ask a poll worker.</source>
        <translation>Este quiosco aún no está registrado para esta elección. Pida ayuda a un trabajador electoral.</translation>
    </message>
    <message>
        <source>This kiosk is not ready yet. Please ask a poll worker for help.</source>
        <translation>Este quiosco todavía no está listo. Pida ayuda a un trabajador electoral.</translation>
    </message>
    <message>
        <source>This checked ballot is now published on the election record. It will not be counted.</source>
        <translation>Esta boleta verificada ya está publicada en el registro de la elección. No se contará.</translation>
    </message>
    <message>
        <source>This checked ballot is saved on this kiosk and will be published on the election record. It will not be counted.</source>
        <translation>Esta boleta verificada está guardada en este quiosco y se publicará en el registro de la elección. No se contará.</translation>
    </message>
    <message>
        <source>This checked ballot could not be published. A poll worker has been alerted. It will not be counted.</source>
        <translation>Esta boleta verificada no se pudo publicar. Se ha avisado a un trabajador electoral. No se contará.</translation>
    </message>
    <message>
        <source>log size %1</source>
        <translation>tamaño del registro %1</translation>
    </message>
    <message>
        <source>This voting code has already been used. Please ask a poll worker for a new code, then type it here. Your choices are kept.</source>
        <translation>Este código de votación ya se ha usado. Pida a un trabajador electoral un código nuevo y escríbalo aquí. Sus opciones se conservan.</translation>
    </message>
    <message>
        <source>This voting code is not valid for this election. Please check it, or ask a poll worker for a new code. Your choices are kept.</source>
        <translation>Este código de votación no es válido para esta elección. Revíselo o pida a un trabajador electoral un código nuevo. Sus opciones se conservan.</translation>
    </message>
    <message>
        <source>Your ballot could not be recorded because voting is closed. Please ask a poll worker for help.</source>
        <translation>Su boleta no se pudo registrar porque la votación está cerrada. Pida ayuda a un trabajador electoral.</translation>
    </message>
    <message>
        <source>Your ballot could not be recorded. Please ask a poll worker for help.</source>
        <translation>Su boleta no se pudo registrar. Pida ayuda a un trabajador electoral.</translation>
    </message>
    <message>
        <source>Choose one.</source>
        <translation>Elija una opción.</translation>
    </message>
    <message>
        <source>Choose exactly %1.</source>
        <translation>Elija exactamente %1.</translation>
    </message>
    <message>
        <source>Choose one, or leave it blank.</source>
        <translation>Elija una opción o déjelo en blanco.</translation>
    </message>
    <message>
        <source>Choose up to %1.</source>
        <translation>Elija hasta %1.</translation>
    </message>
    <message>
        <source>Contest %1 of %2</source>
        <translation>Contienda %1 de %2</translation>
    </message>
    <message>
        <source>You have not chosen anything yet.</source>
        <translation>Todavía no ha elegido nada.</translation>
    </message>
    <message>
        <source>You have chosen %1 of %2.</source>
        <translation>Ha elegido %1 de %2.</translation>
    </message>
    <message>
        <source>No choice made: this contest will be left blank.</source>
        <translation>Sin elección: esta contienda quedará en blanco.</translation>
    </message>
    <message>
        <source>You chose %1 of %2. You may choose %3 more.</source>
        <translation>Eligió %1 de %2. Puede elegir %3 más.</translation>
    </message>
    <message>
        <source>That voting code is not complete or has a typing error. A voting code has 16 letters and digits, like ABCD-EFGH-JKLM-NPQR. Please check it and try again.</source>
        <translation>Ese código de votación está incompleto o tiene un error. Un código de votación tiene 16 letras y números, como ABCD-EFGH-JKLM-NPQR. Revíselo e inténtelo de nuevo.</translation>
    </message>
    <message>
        <source>Checking your voting code…</source>
        <translation>Comprobando su código de votación…</translation>
    </message>
    <message>
        <source>Your voting code could not be checked now because the election record cannot be reached. You can vote; the code is checked when your ballot is cast.</source>
        <translation>Su código de votación no se pudo comprobar ahora porque no se puede conectar con el registro electoral. Puede votar; el código se comprobará cuando emita su voto.</translation>
    </message>
    <message>
        <source>This voting code has already been used. Please ask a poll worker for a new code.</source>
        <translation>Este código de votación ya se usó. Pida un código nuevo a un trabajador electoral.</translation>
    </message>
    <message>
        <source>This voting code is for another polling place (%1), not this one (%2). Please ask a poll worker.</source>
        <translation>Este código de votación es de otro lugar de votación (%1), no de este (%2). Pida ayuda a un trabajador electoral.</translation>
    </message>
    <message>
        <source>This voting code is not valid for this election. Please check it and try again, or ask a poll worker.</source>
        <translation>Este código de votación no es válido para esta elección. Revíselo e inténtelo de nuevo, o pida ayuda a un trabajador electoral.</translation>
    </message>
    <message>
        <source>You have already chosen %1, the most allowed in this contest. To choose this one, first remove one of your choices.</source>
        <translation>Ya eligió %1, el máximo permitido en esta contienda. Para elegir esta opción, primero quite una de sus opciones.</translation>
    </message>
    <message>
        <source>Please choose at least %1 in this contest.</source>
        <translation>Elija al menos %1 en esta contienda.</translation>
    </message>
    <message>
        <source>Sealing your ballot…</source>
        <translation>Sellando su boleta…</translation>
    </message>
    <message>
        <source>Your choices could not be sealed. Please review them again.</source>
        <translation>No se pudieron sellar sus opciones. Revíselas de nuevo.</translation>
    </message>
    <message>
        <source>Recording your ballot…</source>
        <translation>Registrando su boleta…</translation>
    </message>
    <message>
        <source>Opening your ballot for checking…</source>
        <translation>Abriendo su boleta para verificarla…</translation>
    </message>
    <message>
        <source>Too many wrong PINs. Try again in a minute.</source>
        <translation>Demasiados PIN incorrectos. Inténtelo de nuevo en un minuto.</translation>
    </message>
    <message>
        <source>No poll-worker PIN is configured on this kiosk.</source>
        <translation>Este quiosco no tiene configurado un PIN de trabajador electoral.</translation>
    </message>
    <message>
        <source>Wrong PIN.</source>
        <translation>PIN incorrecto.</translation>
    </message>
    <message>
        <source>a voting code was used twice — the voter was asked for a new code; the same sealed ballot is cast with it</source>
        <translation>un código de votación se usó dos veces — se pidió al votante un código nuevo; la misma boleta sellada se emite con él</translation>
    </message>
    <message>
        <source>a voting code that is not valid for this election was typed — the voter was asked for a valid code</source>
        <translation>se escribió un código de votación que no es válido para esta elección — se pidió al votante un código válido</translation>
    </message>
    <message>
        <source>a ballot arrived when the polls were not open — it was not counted</source>
        <translation>llegó una boleta cuando la votación no estaba abierta — no se contó</translation>
    </message>
    <message>
        <source>a checked ballot arrived when the polls were not open</source>
        <translation>llegó una boleta verificada cuando la votación no estaba abierta</translation>
    </message>
    <message>
        <source>a ballot arrived out of order after an earlier one was refused — the election office must review this kiosk&apos;s ballots</source>
        <translation>llegó una boleta fuera de orden después de que se rechazara una anterior — la oficina electoral debe revisar las boletas de este quiosco</translation>
    </message>
    <message>
        <source>this kiosk is not allowed to record ballots (not enrolled or removed) — call the election office</source>
        <translation>este quiosco no puede registrar boletas (no registrado o retirado) — llame a la oficina electoral</translation>
    </message>
    <message>
        <source>refused by the election record (%1) — call the election office</source>
        <translation>rechazada por el registro de la elección (%1) — llame a la oficina electoral</translation>
    </message>
    <message>
        <source>polls open</source>
        <translation>votación abierta</translation>
    </message>
    <message>
        <source>polls not yet open</source>
        <translation>la votación aún no está abierta</translation>
    </message>
    <message>
        <source>polls closed</source>
        <translation>votación cerrada</translation>
    </message>
    <message>
        <source>polls closed, counting (%1)</source>
        <translation>votación cerrada, en escrutinio (%1)</translation>
    </message>
</context>
<context>
    <name>tabella::kiosk::KioskWindow</name>
    <message>
        <source>Tabella voting kiosk</source>
        <translation>Quiosco de votación Tabella</translation>
    </message>
    <message>
        <source>Starting</source>
        <translation>Iniciando</translation>
    </message>
    <message>
        <source>The kiosk is getting ready. Please wait.</source>
        <translation>El quiosco se está preparando. Espere, por favor.</translation>
    </message>
    <message>
        <source>Kiosk not ready</source>
        <translation>Quiosco no disponible</translation>
    </message>
    <message>
        <source>This kiosk is closed</source>
        <translation>Este quiosco está cerrado</translation>
    </message>
    <message>
        <source>Voting is not open at this kiosk. Please ask a poll worker.</source>
        <translation>La votación no está abierta en este quiosco. Pida ayuda a un trabajador electoral.</translation>
    </message>
    <message>
        <source>Please wait. This takes a few seconds.</source>
        <translation>Espere, por favor. Esto tarda unos segundos.</translation>
    </message>
    <message>
        <source>Kiosk fingerprint: %1</source>
        <translation>Huella del quiosco: %1</translation>
    </message>
    <message>
        <source>Public key: %1</source>
        <translation>Clave pública: %1</translation>
    </message>
    <message>
        <source>An election official enrols it with: tabella-admin kiosks enrol --public-key %1</source>
        <translation>Un funcionario electoral lo registra con: tabella-admin kiosks enrol --public-key %1</translation>
    </message>
    <message>
        <source>Detail for poll workers: %1</source>
        <translation>Detalle para trabajadores electorales: %1</translation>
    </message>
    <message>
        <source>Poll worker</source>
        <translation>Trabajador electoral</translation>
    </message>
    <message>
        <source>For poll workers only: opens the PIN screen.</source>
        <translation>Solo para trabajadores electorales: abre la pantalla del PIN.</translation>
    </message>
    <message>
        <source>Welcome</source>
        <translation>Bienvenido</translation>
    </message>
    <message>
        <source>You can choose your language, a larger text size or high contrast before you start. Use the Tab and arrow keys to move, Enter to choose, Escape to go back.</source>
        <translation>Antes de empezar puede elegir su idioma, un tamaño de texto mayor o alto contraste. Use las teclas Tab y de flecha para moverse, Intro para elegir y Escape para volver.</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>Idioma</translation>
    </message>
    <message>
        <source>Show the ballot and the kiosk in %1.</source>
        <translation>Mostrar la boleta y el quiosco en %1.</translation>
    </message>
    <message>
        <source> Selected.</source>
        <translation> Seleccionado.</translation>
    </message>
    <message>
        <source>Text size</source>
        <translation>Tamaño del texto</translation>
    </message>
    <message>
        <source>Standard</source>
        <translation>Normal</translation>
    </message>
    <message>
        <source>Large</source>
        <translation>Grande</translation>
    </message>
    <message>
        <source>Extra large</source>
        <translation>Muy grande</translation>
    </message>
    <message>
        <source>Set the text size to %1.</source>
        <translation>Poner el tamaño del texto en %1.</translation>
    </message>
    <message>
        <source>High contrast: on</source>
        <translation>Alto contraste: activado</translation>
    </message>
    <message>
        <source>High contrast: off</source>
        <translation>Alto contraste: desactivado</translation>
    </message>
    <message>
        <source>Switch between normal colours and white text on black.</source>
        <translation>Cambiar entre colores normales y texto blanco sobre negro.</translation>
    </message>
    <message>
        <source>Start voting</source>
        <translation>Empezar a votar</translation>
    </message>
    <message>
        <source>Begin: you will be asked for your voting code.</source>
        <translation>Empezar: se le pedirá su código de votación.</translation>
    </message>
    <message>
        <source>Enter a new voting code</source>
        <translation>Escriba un código de votación nuevo</translation>
    </message>
    <message>
        <source>Your voting code</source>
        <translation>Su código de votación</translation>
    </message>
    <message>
        <source>Type the code printed on the card a poll worker gave you, or scan it. Capital or small letters and spaces do not matter.</source>
        <translation>Escriba el código impreso en la tarjeta que le dio un trabajador electoral, o escanéelo. No importan las mayúsculas, las minúsculas ni los espacios.</translation>
    </message>
    <message>
        <source>Voting code</source>
        <translation>Código de votación</translation>
    </message>
    <message>
        <source>16 letters and digits, in four groups. Press Enter when done.</source>
        <translation>16 letras y números en cuatro grupos. Pulse Intro al terminar.</translation>
    </message>
    <message>
        <source>Back</source>
        <translation>Volver</translation>
    </message>
    <message>
        <source>Return to the welcome screen.</source>
        <translation>Volver a la pantalla de bienvenida.</translation>
    </message>
    <message>
        <source>Cast with this code</source>
        <translation>Votar con este código</translation>
    </message>
    <message>
        <source>Continue</source>
        <translation>Continuar</translation>
    </message>
    <message>
        <source>Check the code and continue.</source>
        <translation>Comprobar el código y continuar.</translation>
    </message>
    <message>
        <source>Chosen. Press to remove this choice.</source>
        <translation>Elegido. Pulse para quitar esta opción.</translation>
    </message>
    <message>
        <source>Not chosen. Press to choose.</source>
        <translation>No elegido. Pulse para elegir.</translation>
    </message>
    <message>
        <source>Not available: you have already chosen %1, the most allowed. Remove a choice first.</source>
        <translation>No disponible: ya eligió %1, el máximo permitido. Quite primero una opción.</translation>
    </message>
    <message>
        <source>Go to the previous step.</source>
        <translation>Ir al paso anterior.</translation>
    </message>
    <message>
        <source>Back to review</source>
        <translation>Volver a la revisión</translation>
    </message>
    <message>
        <source>Review my choices</source>
        <translation>Revisar mis opciones</translation>
    </message>
    <message>
        <source>Next contest</source>
        <translation>Siguiente contienda</translation>
    </message>
    <message>
        <source>Continue. You may leave a contest blank or choose fewer than allowed.</source>
        <translation>Continuar. Puede dejar una contienda en blanco o elegir menos opciones de las permitidas.</translation>
    </message>
    <message>
        <source>Review your choices</source>
        <translation>Revise sus opciones</translation>
    </message>
    <message>
        <source>Check every contest. Contests marked in yellow have fewer choices than allowed. Choose &quot;Change&quot; to edit a contest.</source>
        <translation>Revise cada contienda. Las contiendas marcadas en amarillo tienen menos opciones de las permitidas. Elija «Cambiar» para modificar una contienda.</translation>
    </message>
    <message>
        <source>(blank)</source>
        <translation>(en blanco)</translation>
    </message>
    <message>
        <source>Change</source>
        <translation>Cambiar</translation>
    </message>
    <message>
        <source>Change your choices for %1.</source>
        <translation>Cambiar sus opciones en %1.</translation>
    </message>
    <message>
        <source>Change %1</source>
        <translation>Cambiar %1</translation>
    </message>
    <message>
        <source>Go to the last contest.</source>
        <translation>Ir a la última contienda.</translation>
    </message>
    <message>
        <source>These are my choices</source>
        <translation>Estas son mis opciones</translation>
    </message>
    <message>
        <source>Seal (encrypt) your ballot. You can still check it or cast it next.</source>
        <translation>Sellar (cifrar) su boleta. Después aún puede verificarla o depositarla.</translation>
    </message>
    <message>
        <source>Your ballot is sealed</source>
        <translation>Su boleta está sellada</translation>
    </message>
    <message>
        <source>Your tracking code:</source>
        <translation>Su código de seguimiento:</translation>
    </message>
    <message>
        <source>Tracking code %1</source>
        <translation>Código de seguimiento %1</translation>
    </message>
    <message>
        <source>Cast your ballot to have it counted. Or, if you want to make sure the kiosk sealed your choices correctly, check it: the kiosk then shows what it sealed and publishes it, that ballot is NOT counted, and you vote again.</source>
        <translation>Deposite su boleta para que se cuente. O, si quiere comprobar que el quiosco selló correctamente sus opciones, verifíquela: el quiosco mostrará lo que selló y lo publicará, esa boleta NO se cuenta y usted vuelve a votar.</translation>
    </message>
    <message>
        <source>Cast my ballot</source>
        <translation>Depositar mi boleta</translation>
    </message>
    <message>
        <source>Record your ballot. It will be counted.</source>
        <translation>Registrar su boleta. Se contará.</translation>
    </message>
    <message>
        <source>Change my choices</source>
        <translation>Cambiar mis opciones</translation>
    </message>
    <message>
        <source>Go back to the review. This sealed ballot is discarded.</source>
        <translation>Volver a la revisión. Esta boleta sellada se descarta.</translation>
    </message>
    <message>
        <source>Check this ballot (not counted)</source>
        <translation>Verificar esta boleta (no se cuenta)</translation>
    </message>
    <message>
        <source>Open this sealed ballot to verify it. It will not be counted and you will vote again.</source>
        <translation>Abrir esta boleta sellada para verificarla. No se contará y usted volverá a votar.</translation>
    </message>
    <message>
        <source>Checked ballot: NOT counted</source>
        <translation>Boleta verificada: NO se cuenta</translation>
    </message>
    <message>
        <source>The ballot with tracking code %1 contained:</source>
        <translation>La boleta con código de seguimiento %1 contenía:</translation>
    </message>
    <message>
        <source>If this is not what you chose, tell a poll worker.</source>
        <translation>Si esto no es lo que eligió, avise a un trabajador electoral.</translation>
    </message>
    <message>
        <source>Print</source>
        <translation>Imprimir</translation>
    </message>
    <message>
        <source>Print what this checked ballot contained.</source>
        <translation>Imprimir lo que contenía esta boleta verificada.</translation>
    </message>
    <message>
        <source>Continue and vote</source>
        <translation>Continuar y votar</translation>
    </message>
    <message>
        <source>Return to your choices to seal a new ballot.</source>
        <translation>Volver a sus opciones para sellar una boleta nueva.</translation>
    </message>
    <message>
        <source>Your ballot has been recorded</source>
        <translation>Su boleta ha sido registrada</translation>
    </message>
    <message>
        <source>Thank you for voting. The election record has confirmed your ballot.</source>
        <translation>Gracias por votar. El registro de la elección ha confirmado su boleta.</translation>
    </message>
    <message>
        <source>Your ballot is saved</source>
        <translation>Su boleta está guardada</translation>
    </message>
    <message>
        <source>Your ballot is recorded on this kiosk; confirmation from the election record is pending. It will be sent automatically. You do not need to wait.</source>
        <translation>Su boleta está registrada en este quiosco; la confirmación del registro de la elección está pendiente. Se enviará automáticamente. No necesita esperar.</translation>
    </message>
    <message>
        <source>Your ballot was not recorded</source>
        <translation>Su boleta no fue registrada</translation>
    </message>
    <message>
        <source>Tracking code:</source>
        <translation>Código de seguimiento:</translation>
    </message>
    <message>
        <source>Use it to find your ballot on the election record later.</source>
        <translation>Úselo para encontrar su boleta en el registro de la elección más adelante.</translation>
    </message>
    <message>
        <source>Checkpoint: %1</source>
        <translation>Punto de control: %1</translation>
    </message>
    <message>
        <source>QR code of your tracking code</source>
        <translation>Código QR de su código de seguimiento</translation>
    </message>
    <message>
        <source>Print receipt</source>
        <translation>Imprimir comprobante</translation>
    </message>
    <message>
        <source>Print a receipt with your tracking code.</source>
        <translation>Imprimir un comprobante con su código de seguimiento.</translation>
    </message>
    <message>
        <source>Done</source>
        <translation>Terminar</translation>
    </message>
    <message>
        <source>Finish. The screen is cleared for the next voter.</source>
        <translation>Terminar. La pantalla se borra para el siguiente votante.</translation>
    </message>
    <message>
        <source>Enter the poll-worker PIN.</source>
        <translation>Escriba el PIN de trabajador electoral.</translation>
    </message>
    <message>
        <source>PIN</source>
        <translation>PIN</translation>
    </message>
    <message>
        <source>The poll-worker PIN. Press Enter when done.</source>
        <translation>El PIN de trabajador electoral. Pulse Intro al terminar.</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Cancelar</translation>
    </message>
    <message>
        <source>Return to the voter screen.</source>
        <translation>Volver a la pantalla del votante.</translation>
    </message>
    <message>
        <source>Enter</source>
        <translation>Entrar</translation>
    </message>
    <message>
        <source>Check the PIN.</source>
        <translation>Comprobar el PIN.</translation>
    </message>
    <message>
        <source>Kiosk</source>
        <translation>Quiosco</translation>
    </message>
    <message>
        <source>open</source>
        <translation>abierto</translation>
    </message>
    <message>
        <source>closed</source>
        <translation>cerrado</translation>
    </message>
    <message>
        <source>Ledger</source>
        <translation>Registro</translation>
    </message>
    <message>
        <source>checking…</source>
        <translation>comprobando…</translation>
    </message>
    <message>
        <source>reachable (%1)</source>
        <translation>accesible (%1)</translation>
    </message>
    <message>
        <source>NOT reachable</source>
        <translation>NO accesible</translation>
    </message>
    <message>
        <source>Waiting to be sent</source>
        <translation>Pendientes de envío</translation>
    </message>
    <message>
        <source>Ballots cast here</source>
        <translation>Boletas depositadas aquí</translation>
    </message>
    <message>
        <source>Ballots checked here</source>
        <translation>Boletas verificadas aquí</translation>
    </message>
    <message>
        <source>Kiosk fingerprint</source>
        <translation>Huella del quiosco</translation>
    </message>
    <message>
        <source>Refused by the ledger: %1 — contact the election office</source>
        <translation>Rechazadas por el registro: %1 — contacte con la oficina electoral</translation>
    </message>
    <message>
        <source>#%1 %2, sequence %3: %4</source>
        <translation>n.º %1 %2, secuencia %3: %4</translation>
    </message>
    <message>
        <source>cast</source>
        <translation>depositada</translation>
    </message>
    <message>
        <source>checked</source>
        <translation>verificada</translation>
    </message>
    <message>
        <source>Last error: %1</source>
        <translation>Último error: %1</translation>
    </message>
    <message>
        <source>Close this kiosk</source>
        <translation>Cerrar este quiosco</translation>
    </message>
    <message>
        <source>Open this kiosk</source>
        <translation>Abrir este quiosco</translation>
    </message>
    <message>
        <source>Allow or stop voting on this kiosk.</source>
        <translation>Permitir o detener la votación en este quiosco.</translation>
    </message>
    <message>
        <source>Send now</source>
        <translation>Enviar ahora</translation>
    </message>
    <message>
        <source>Making the report…</source>
        <translation>Preparando el informe…</translation>
    </message>
    <message>
        <source>%1 saved: %2</source>
        <translation>%1 guardado: %2</translation>
    </message>
    <message>
        <source>Polls-opened report</source>
        <translation>Informe de apertura</translation>
    </message>
    <message>
        <source>Print the zero report: this kiosk's counts at the opening.</source>
        <translation>Imprimir el informe cero: los recuentos de este quiosco en la apertura.</translation>
    </message>
    <message>
        <source>Polls-closed report</source>
        <translation>Informe de cierre</translation>
    </message>
    <message>
        <source>Print the closing report: this kiosk's counts and last ballot as the election record's closing entry names them.</source>
        <translation>Imprimir el informe de cierre: los recuentos y la última boleta de este quiosco según la entrada de cierre del registro electoral.</translation>
    </message>
    <message>
        <source>Try to send waiting ballots to the ledger now.</source>
        <translation>Intentar enviar ahora al registro las boletas pendientes.</translation>
    </message>
    <message>
        <source>Exit</source>
        <translation>Salir</translation>
    </message>
    <message>
        <source>Leave poll-worker mode.</source>
        <translation>Salir del modo de trabajador electoral.</translation>
    </message>
    <message>
        <source>Checked ballot — NOT counted</source>
        <translation>Boleta verificada — NO se cuenta</translation>
    </message>
    <message>
        <source>Ballot receipt</source>
        <translation>Comprobante de voto</translation>
    </message>
    <message>
        <source>Tracking code: %1</source>
        <translation>Código de seguimiento: %1</translation>
    </message>
    <message>
        <source>Ballot code: %1</source>
        <translation>Código de boleta: %1</translation>
    </message>
    <message>
        <source>Time (UTC): %1</source>
        <translation>Hora (UTC): %1</translation>
    </message>
    <message>
        <source>Recorded. Checkpoint: %1</source>
        <translation>Registrada. Punto de control: %1</translation>
    </message>
    <message>
        <source>Recorded on this kiosk; confirmation from the election record is pending.</source>
        <translation>Registrada en este quiosco; la confirmación del registro de la elección está pendiente.</translation>
    </message>
    <message>
        <source>Are you still voting?</source>
        <translation>¿Sigue votando?</translation>
    </message>
    <message>
        <source>1 second</source>
        <translation>1 segundo</translation>
    </message>
    <message>
        <source>%1 seconds</source>
        <translation>%1 segundos</translation>
    </message>
    <message>
        <source>Your ballot is sealed but NOT cast yet. If you do not continue, it will be discarded and NOT counted, and the screen will be cleared in %1.</source>
        <translation>Su boleta está sellada pero AÚN NO depositada. Si no continúa, se descartará, NO se contará y la pantalla se borrará en %1.</translation>
    </message>
    <message>
        <source>The screen will be cleared for the next voter in %1 and your choices will be lost.</source>
        <translation>La pantalla se borrará para el próximo votante en %1 y se perderán sus opciones.</translation>
    </message>
    <message>
        <source>Press any key or touch the screen to continue voting.</source>
        <translation>Pulse cualquier tecla o toque la pantalla para seguir votando.</translation>
    </message>
    <message>
        <source>The polls are closed</source>
        <translation>La votación está cerrada</translation>
    </message>
    <message>
        <source>Voting has ended. This kiosk does not accept ballots any more.</source>
        <translation>La votación ha terminado. Este quiosco ya no acepta boletas.</translation>
    </message>
    <message>
        <source>Largest</source>
        <translation>Máximo</translation>
    </message>
    <message>
        <source>Standard colours</source>
        <translation>Colores normales</translation>
    </message>
    <message>
        <source>White on black</source>
        <translation>Blanco sobre negro</translation>
    </message>
    <message>
        <source>Black on white</source>
        <translation>Negro sobre blanco</translation>
    </message>
    <message>
        <source>Text size is %1. Press for %2.</source>
        <translation>Tamaño del texto: %1. Pulse para %2.</translation>
    </message>
    <message>
        <source>Contrast</source>
        <translation>Contraste</translation>
    </message>
    <message>
        <source>Colours: %1. Press for %2.</source>
        <translation>Colores: %1. Pulse para %2.</translation>
    </message>
    <message>
        <source>%1 (%2 more).</source>
        <translation>%1 (%2 más).</translation>
    </message>
    <message>
        <source>Choose your language, text size and colours, then start. Tab and the arrow keys move, Enter chooses, Escape goes back.</source>
        <translation>Elija su idioma, el tamaño del texto y los colores, y comience. Tab y las flechas mueven, Intro elige, Escape vuelve atrás.</translation>
    </message>
    <message>
        <source>Show the screen in %1.</source>
        <translation>Mostrar la pantalla en %1.</translation>
    </message>
    <message>
        <source>Settings %1 to %2 of %3</source>
        <translation>Ajustes %1 a %2 de %3</translation>
    </message>
    <message>
        <source>More settings</source>
        <translation>Más ajustes</translation>
    </message>
    <message>
        <source>Previous settings</source>
        <translation>Ajustes anteriores</translation>
    </message>
    <message>
        <source>Choices %1 to %2 of %3</source>
        <translation>Opciones %1 a %2 de %3</translation>
    </message>
    <message>
        <source>More choices</source>
        <translation>Más opciones</translation>
    </message>
    <message>
        <source>Previous choices</source>
        <translation>Opciones anteriores</translation>
    </message>
    <message>
        <source>Contests %1 to %2 of %3</source>
        <translation>Contiendas %1 a %2 de %3</translation>
    </message>
    <message>
        <source>More contests</source>
        <translation>Más contiendas</translation>
    </message>
    <message>
        <source>Previous contests</source>
        <translation>Contiendas anteriores</translation>
    </message>
    <message>
        <source>NOT cast yet: only &quot;Cast my ballot&quot; counts it.</source>
        <translation>AÚN NO depositada: solo «Depositar mi boleta» la cuenta.</translation>
    </message>
    <message>
        <source>Or check it first: the kiosk shows what it sealed. A checked ballot is NOT counted, and you vote again.</source>
        <translation>O verifíquela antes: el quiosco muestra lo que selló. Una boleta verificada NO se cuenta y usted vota de nuevo.</translation>
    </message>
    <message>
        <source>Check this ballot</source>
        <translation>Verificar esta boleta</translation>
    </message>
    <message>
        <source>To check your ballot later, scan the QR code, or look up your tracking code on the election&apos;s public website.</source>
        <translation>Para comprobar su boleta más tarde, escanee el código QR o busque su código de seguimiento en el sitio web público de la elección.</translation>
    </message>
    <message>
        <source>not accepting ballots: the polls are closed</source>
        <translation>no acepta boletas: la votación está cerrada</translation>
    </message>
    <message>
        <source>Election record</source>
        <translation>Registro de la elección</translation>
    </message>
    <message>
        <source>Refused by the election record: %1 — contact the election office</source>
        <translation>Rechazadas por el registro de la elección: %1 — avise a la oficina electoral</translation>
    </message>
    <message>
        <source>Full tracking code: %1</source>
        <translation>Código de seguimiento completo: %1</translation>
    </message>
    <message>
        <source>Your ballot was recorded on the election record.</source>
        <translation>Su boleta quedó registrada en el registro de la elección.</translation>
    </message>
    <message>
        <source>Your ballot is saved on this kiosk and will be sent to the election record.</source>
        <translation>Su boleta está guardada en este quiosco y se enviará al registro de la elección.</translation>
    </message>
    <message>
        <source>How to check your ballot: scan the QR code or open the address below. The page must show your tracking code as a cast ballot. If it does not, tell the election office.</source>
        <translation>Cómo comprobar su boleta: escanee el código QR o abra la dirección de abajo. La página debe mostrar su código de seguimiento como boleta depositada. Si no es así, avise a la oficina electoral.</translation>
    </message>
    <message>
        <source>Audio ballot in use</source>
        <translation>Boleta de audio en uso</translation>
    </message>
    <message>
        <source>The screen is blank for the voter&apos;s privacy.</source>
        <translation>La pantalla está en blanco para la privacidad del votante.</translation>
    </message>
    <message>
        <source>Audio ballot: on</source>
        <translation>Boleta de audio: activada</translation>
    </message>
    <message>
        <source>Audio ballot</source>
        <translation>Boleta de audio</translation>
    </message>
    <message>
        <source>The ballot is read aloud. Press to turn it off.</source>
        <translation>La boleta se lee en voz alta. Pulse para apagarla.</translation>
    </message>
    <message>
        <source>Have the ballot read aloud through headphones (or press F1).</source>
        <translation>Escuchar la boleta en voz alta con auriculares (o pulse F1).</translation>
    </message>
    <message>
        <source>NOT available: %1</source>
        <translation>NO disponible: %1</translation>
    </message>
    <message>
        <source>%1; %2</source>
        <translation>%1; %2</translation>
    </message>
    <message>
        <source>in use</source>
        <translation>en uso</translation>
    </message>
    <message>
        <source>ready</source>
        <translation>lista</translation>
    </message>
    <message>
        <source>Show the voter&apos;s screen</source>
        <translation>Mostrar la pantalla del votante</translation>
    </message>
    <message>
        <source>Blank the voter&apos;s screen</source>
        <translation>Ocultar la pantalla del votante</translation>
    </message>
    <message>
        <source>Headphone mode: the voter&apos;s screen shows only &quot;Audio ballot in use&quot; while the ballot is read aloud (privacy).</source>
        <translation>Modo auriculares: la pantalla del votante solo muestra «Boleta de audio en uso» mientras la boleta se lee en voz alta (privacidad).</translation>
    </message>
    <message>
        <source>Audio ballot: NO voice for %1: it would be read by another language&apos;s voice. Install the voice or call the election office.</source>
        <translation>Boleta de audio: NINGUNA voz para %1: se leería con la voz de otro idioma. Instale la voz o llame a la oficina electoral.</translation>
    </message>
    <message>
        <source>Switch scanning: on</source>
        <translation>Barrido con pulsadores: sí</translation>
    </message>
    <message>
        <source>Switch scanning: off</source>
        <translation>Barrido con pulsadores: no</translation>
    </message>
    <message>
        <source>Two-switch scanning for voters who use switches: one switch (Space) moves the highlight to the next control, the other (Enter) selects it.</source>
        <translation>Barrido con dos pulsadores para votantes que usan pulsadores: uno (Espacio) mueve el resaltado al control siguiente, el otro (Intro) lo selecciona.</translation>
    </message>
    <message>
        <source>Highlighted: %1.</source>
        <translation>Resaltado: %1.</translation>
    </message>
    <message>
        <source>Choose your language, text size and colours, then start. Switch scanning: Space moves the highlight, Enter chooses.</source>
        <translation>Elija su idioma, el tamaño del texto y los colores, y comience. Barrido con pulsadores: Espacio mueve el resaltado, Intro elige.</translation>
    </message>
</context>
<context>
    <name>tabella::kiosk::AudioGuide</name>
    <message>
        <source>Audio ballot.</source>
        <translation>Boleta de audio.</translation>
    </message>
    <message>
        <source>The screen is now blank, for your privacy. Press the same key to show it again.</source>
        <translation>La pantalla está ahora en blanco, para su privacidad. Pulse la misma tecla para mostrarla de nuevo.</translation>
    </message>
    <message>
        <source>The screen is now shown.</source>
        <translation>La pantalla se muestra de nuevo.</translation>
    </message>
    <message>
        <source>Group %1: %2.</source>
        <translation>Grupo %1: %2.</translation>
    </message>
    <message>
        <source>Selected.</source>
        <translation>Seleccionado.</translation>
    </message>
    <message>
        <source>Not selected.</source>
        <translation>No seleccionado.</translation>
    </message>
    <message>
        <source>Not available: you have already chosen %1, the most allowed in this contest. Remove a choice first.</source>
        <translation>No disponible: ya eligió %1, el máximo permitido en esta contienda. Quite primero una opción.</translation>
    </message>
    <message>
        <source>Choice %1 of %2: %3. %4</source>
        <translation>Opción %1 de %2: %3. %4</translation>
    </message>
    <message>
        <source>Use the up and down keys to move, select to choose, and back to go back.</source>
        <translation>Use las teclas arriba y abajo para moverse, seleccionar para elegir y atrás para volver.</translation>
    </message>
    <message>
        <source>The kiosk is getting ready. Please wait.</source>
        <translation>El quiosco se está preparando. Espere, por favor.</translation>
    </message>
    <message>
        <source>This kiosk is not ready. Please ask a poll worker.</source>
        <translation>Este quiosco no está listo. Pida ayuda a un trabajador electoral.</translation>
    </message>
    <message>
        <source>The polls are closed. This kiosk does not accept ballots any more.</source>
        <translation>La votación está cerrada. Este quiosco ya no acepta boletas.</translation>
    </message>
    <message>
        <source>This kiosk is closed. Please ask a poll worker.</source>
        <translation>Este quiosco está cerrado. Pida ayuda a un trabajador electoral.</translation>
    </message>
    <message>
        <source>Welcome to %1. %2 Press down to choose your language, then start voting.</source>
        <translation>Bienvenido a %1. %2 Pulse abajo para elegir su idioma y después empezar a votar.</translation>
    </message>
    <message>
        <source>Enter a new voting code. Your sealed ballot is kept and will be cast with the new code.</source>
        <translation>Escriba un código de votación nuevo. Su boleta sellada se conserva y se depositará con el código nuevo.</translation>
    </message>
    <message>
        <source>Your voting code. Type the code on your card, or scan it, or ask a poll worker to enter it. Then press Enter.</source>
        <translation>Su código de votación. Escriba el código de su tarjeta, escanéelo o pida a un trabajador electoral que lo introduzca. Después pulse Intro.</translation>
    </message>
    <message>
        <source>%1 choices. Press down to hear them.</source>
        <translation>%1 opciones. Pulse abajo para escucharlas.</translation>
    </message>
    <message>
        <source>Review your choices. %1 contests.</source>
        <translation>Revise sus opciones. %1 contiendas.</translation>
    </message>
    <message>
        <source>Contests with fewer choices than allowed: %1.</source>
        <translation>Contiendas con menos opciones de las permitidas: %1.</translation>
    </message>
    <message>
        <source>Press down to hear each contest; select on a contest changes it. The last item seals your ballot.</source>
        <translation>Pulse abajo para escuchar cada contienda; seleccionar en una contienda la cambia. El último elemento sella su boleta.</translation>
    </message>
    <message>
        <source>Please wait.</source>
        <translation>Espere, por favor.</translation>
    </message>
    <message>
        <source>Your ballot is sealed. It is NOT cast yet: only Cast my ballot counts it. Your tracking code is: %1 Press down for Cast my ballot, Check this ballot, or Change my choices.</source>
        <translation>Su boleta está sellada. AÚN NO está depositada: solo Depositar mi boleta la cuenta. Su código de seguimiento es: %1 Pulse abajo para Depositar mi boleta, Verificar esta boleta o Cambiar mis opciones.</translation>
    </message>
    <message>
        <source>Checked ballot: NOT counted. The ballot with tracking code %1 contained:</source>
        <translation>Boleta verificada: NO se cuenta. La boleta con código de seguimiento %1 contenía:</translation>
    </message>
    <message>
        <source>blank, no choice</source>
        <translation>en blanco, sin ninguna opción</translation>
    </message>
    <message>
        <source>If this is not what you chose, tell a poll worker. Press down, then select, to continue and vote.</source>
        <translation>Si esto no es lo que eligió, dígaselo a un trabajador electoral. Pulse abajo y después seleccionar para continuar y votar.</translation>
    </message>
    <message>
        <source>Your ballot has been cast and recorded. Thank you for voting. Your tracking code is: %1 Press down for Done.</source>
        <translation>Su boleta ha sido depositada y registrada. Gracias por votar. Su código de seguimiento es: %1 Pulse abajo para Terminar.</translation>
    </message>
    <message>
        <source>Your ballot is cast and saved on this kiosk; the election record will confirm it later. Your tracking code is: %1 Press down for Done.</source>
        <translation>Su boleta está depositada y guardada en este quiosco; el registro de la elección la confirmará más tarde. Su código de seguimiento es: %1 Pulse abajo para Terminar.</translation>
    </message>
    <message>
        <source>Your ballot was not recorded.</source>
        <translation>Su boleta no fue registrada.</translation>
    </message>
    <message>
        <source>Please ask a poll worker.</source>
        <translation>Pida ayuda a un trabajador electoral.</translation>
    </message>
    <message>
        <source>Poll worker screen.</source>
        <translation>Pantalla del trabajador electoral.</translation>
    </message>
    <message>
        <source>Press select to use this language.</source>
        <translation>Pulse seleccionar para usar este idioma.</translation>
    </message>
    <message>
        <source>Start voting.</source>
        <translation>Empezar a votar.</translation>
    </message>
    <message>
        <source>Back to review.</source>
        <translation>Volver a la revisión.</translation>
    </message>
    <message>
        <source>Review my choices.</source>
        <translation>Revisar mis opciones.</translation>
    </message>
    <message>
        <source>Next contest.</source>
        <translation>Siguiente contienda.</translation>
    </message>
    <message>
        <source>Press select to change it.</source>
        <translation>Pulse seleccionar para cambiarla.</translation>
    </message>
    <message>
        <source>These are my choices: seal my ballot. You can still check it or cast it next.</source>
        <translation>Estas son mis opciones: sellar mi boleta. Después aún puede verificarla o depositarla.</translation>
    </message>
    <message>
        <source>Cast my ballot. It will be counted.</source>
        <translation>Depositar mi boleta. Se contará.</translation>
    </message>
    <message>
        <source>Check this ballot. It is opened and NOT counted, and you vote again.</source>
        <translation>Verificar esta boleta. Se abre y NO se cuenta, y usted vuelve a votar.</translation>
    </message>
    <message>
        <source>Change my choices. This sealed ballot is discarded.</source>
        <translation>Cambiar mis opciones. Esta boleta sellada se descarta.</translation>
    </message>
    <message>
        <source>Your tracking code is: %1</source>
        <translation>Su código de seguimiento es: %1</translation>
    </message>
    <message>
        <source>Continue and vote: back to your choices, to seal a new ballot.</source>
        <translation>Continuar y votar: volver a sus opciones para sellar una boleta nueva.</translation>
    </message>
    <message>
        <source>Done. The screen is cleared for the next voter.</source>
        <translation>Terminar. La pantalla se borra para el siguiente votante.</translation>
    </message>
    <message>
        <source>End of this screen.</source>
        <translation>Fin de esta pantalla.</translation>
    </message>
    <message>
        <source>There is no going back from here.</source>
        <translation>Desde aquí no se puede volver atrás.</translation>
    </message>
    <message>
        <source>Volume %1 percent.</source>
        <translation>Volumen %1 por ciento.</translation>
    </message>
    <message>
        <source>Faster.</source>
        <translation>Más rápido.</translation>
    </message>
    <message>
        <source>Slower.</source>
        <translation>Más lento.</translation>
    </message>
    <message>
        <source>%1: selected.</source>
        <translation>%1: seleccionado.</translation>
    </message>
    <message>
        <source>%1: not selected.</source>
        <translation>%1: no seleccionado.</translation>
    </message>
    <message>
        <source>You are still voting. Continuing.</source>
        <translation>Sigue votando. Continuamos.</translation>
    </message>
    <message>
        <source>1 second</source>
        <translation>1 segundo</translation>
    </message>
    <message>
        <source>%1 seconds</source>
        <translation>%1 segundos</translation>
    </message>
    <message>
        <source>Are you still voting?</source>
        <translation>¿Sigue votando?</translation>
    </message>
    <message>
        <source>Your ballot is sealed but NOT cast yet. If you do not continue, it will be discarded and NOT counted in %1.</source>
        <translation>Su boleta está sellada pero AÚN NO está depositada. Si no continúa, se descartará y NO se contará en %1.</translation>
    </message>
    <message>
        <source>Your choices will be cleared in %1.</source>
        <translation>Sus opciones se borrarán en %1.</translation>
    </message>
    <message>
        <source>Press any key to continue voting.</source>
        <translation>Pulse cualquier tecla para seguir votando.</translation>
    </message>
    <message>
        <source>Your session has ended and the screen is cleared. The audio ballot is off.</source>
        <translation>Su sesión ha terminado y la pantalla se ha borrado. La boleta de audio está apagada.</translation>
    </message>
</context>
<context>
    <name>tabella::kiosk::PollReport</name>
    <message>
        <source>Polls-opened report (zero report)</source>
        <translation>Informe de apertura de la votación (informe cero)</translation>
    </message>
    <message>
        <source>Polls-closed report</source>
        <translation>Informe de cierre de la votación</translation>
    </message>
    <message>
        <source>This kiosk has not loaded the election yet, so no report can be made. Check that it is enrolled and can reach the election record, then try again.</source>
        <translation>Este quiosco aún no ha cargado la elección, así que no se puede hacer ningún informe. Compruebe que está registrado y que puede conectar con el registro de la elección, e inténtelo de nuevo.</translation>
    </message>
    <message>
        <source>could not be reached (%1)</source>
        <translation>no se pudo conectar (%1)</translation>
    </message>
    <message>
        <source>not accepting ballots: the polls are closed</source>
        <translation>no acepta boletas: la votación está cerrada</translation>
    </message>
    <message>
        <source>open for voters</source>
        <translation>abierto a los votantes</translation>
    </message>
    <message>
        <source>closed to voters (a poll worker can open it)</source>
        <translation>cerrado a los votantes (un trabajador electoral puede abrirlo)</translation>
    </message>
    <message>
        <source>The polls are already closed, so there is no polls-opened report to make. Print the polls-closed report instead.</source>
        <translation>La votación ya está cerrada, así que no hay informe de apertura que hacer. Imprima en su lugar el informe de cierre.</translation>
    </message>
    <message>
        <source>The election record could not be reached: the counts are this kiosk&apos;s own, and its name and precinct are not shown. Print the report again when the network is back.</source>
        <translation>No se pudo conectar con el registro de la elección: los recuentos son los de este quiosco y no se muestran su nombre ni su distrito. Vuelva a imprimir el informe cuando vuelva la red.</translation>
    </message>
    <message>
        <source>This is NOT a zero report: ballots were already cast or checked on this kiosk.</source>
        <translation>Este NO es un informe cero: ya se depositaron o verificaron boletas en este quiosco.</translation>
    </message>
    <message>
        <source>The polls are not closed yet, so the polls-closed report cannot be made. It can be printed once the election office has closed the polls.</source>
        <translation>La votación aún no está cerrada, así que no se puede hacer el informe de cierre. Se podrá imprimir cuando la oficina electoral haya cerrado la votación.</translation>
    </message>
    <message>
        <source>The election record cannot be reached. The polls-closed report needs its closing entry, which names this kiosk&apos;s counts: try again when the network is back.</source>
        <translation>No se puede conectar con el registro de la elección. El informe de cierre necesita su entrada de cierre, que indica los recuentos de este quiosco: inténtelo de nuevo cuando vuelva la red.</translation>
    </message>
    <message>
        <source>The election record&apos;s closing entry does not name this kiosk: it was not enrolled for this election. Call the election office.</source>
        <translation>La entrada de cierre del registro de la elección no nombra este quiosco: no estaba registrado para esta elección. Llame a la oficina electoral.</translation>
    </message>
    <message>
        <source>The last ballot this kiosk sealed (number %1, code %2) is not the last one the election record holds for it (code %3): ballots of this kiosk are missing from the record. Call the election office.</source>
        <translation>La última boleta que selló este quiosco (número %1, código %2) no es la última que el registro de la elección tiene de él (código %3): faltan boletas de este quiosco en el registro. Llame a la oficina electoral.</translation>
    </message>
    <message>
        <source>%1 ballots are waiting on this kiosk to be sent to the election record.</source>
        <translation>Boletas en este quiosco que esperan ser enviadas al registro de la elección: %1.</translation>
    </message>
    <message>
        <source>%1 ballots are still on this kiosk and were never confirmed by the election record: they are NOT counted. Call the election office.</source>
        <translation>Boletas que siguen en este quiosco y que el registro de la elección nunca confirmó: %1. NO se cuentan. Llame a la oficina electoral.</translation>
    </message>
    <message>
        <source>The election record refused %1 entries from this kiosk (listed above).</source>
        <translation>El registro de la elección rechazó %1 entradas de este quiosco (indicadas arriba).</translation>
    </message>
    <message>
        <source>(unknown: the election record could not be reached)</source>
        <translation>(desconocido: no se pudo conectar con el registro de la elección)</translation>
    </message>
    <message>
        <source>Election: %1</source>
        <translation>Elección: %1</translation>
    </message>
    <message>
        <source>Election identity: %1 (record %2)</source>
        <translation>Identidad de la elección: %1 (registro %2)</translation>
    </message>
    <message>
        <source>Kiosk: %1</source>
        <translation>Quiosco: %1</translation>
    </message>
    <message>
        <source>Kiosk fingerprint: %1</source>
        <translation>Huella del quiosco: %1</translation>
    </message>
    <message>
        <source>Precinct: %1</source>
        <translation>Distrito: %1</translation>
    </message>
    <message>
        <source>Time: %1 UTC</source>
        <translation>Hora: %1 UTC</translation>
    </message>
    <message>
        <source>Kiosk state: %1</source>
        <translation>Estado del quiosco: %1</translation>
    </message>
    <message>
        <source>Election record: %1</source>
        <translation>Registro de la elección: %1</translation>
    </message>
    <message>
        <source>Counts and last ballot as the election record&apos;s polls-close entry names them:</source>
        <translation>Recuentos y última boleta tal como los indica la entrada de cierre del registro de la elección:</translation>
    </message>
    <message>
        <source>Ballots cast: %1</source>
        <translation>Boletas depositadas: %1</translation>
    </message>
    <message>
        <source>Ballots checked (opened for checking, not counted): %1</source>
        <translation>Boletas verificadas (abiertas para verificarlas, no se cuentan): %1</translation>
    </message>
    <message>
        <source>Waiting on this kiosk to be sent: %1</source>
        <translation>En espera de envío en este quiosco: %1</translation>
    </message>
    <message>
        <source>Refused by the election record: %1</source>
        <translation>Rechazadas por el registro de la elección: %1</translation>
    </message>
    <message>
        <source>Ballots sealed on this kiosk (last number): %1</source>
        <translation>Boletas selladas en este quiosco (último número): %1</translation>
    </message>
    <message>
        <source>Chain head (the last ballot&apos;s code): %1</source>
        <translation>Cabeza de la cadena (código de la última boleta): %1</translation>
    </message>
    <message>
        <source>Zero report: no ballot has been cast or checked on this kiosk.</source>
        <translation>Informe cero: no se ha depositado ni verificado ninguna boleta en este quiosco.</translation>
    </message>
    <message>
        <source>Nothing to report: every ballot of this kiosk is in the election record.</source>
        <translation>Nada que informar: todas las boletas de este quiosco están en el registro de la elección.</translation>
    </message>
    <message>
        <source>To report to the election office:</source>
        <translation>Para informar a la oficina electoral:</translation>
    </message>
    <message>
        <source>Poll worker: ____________________    Poll worker: ____________________</source>
        <translation>Trabajador electoral: ____________________    Trabajador electoral: ____________________</translation>
    </message>
</context>
<context>
    <name>tabella::kiosk::QtSpeechSink</name>
    <message>
        <source>No text-to-speech engine is installed (the package qt6-speech-flite-plugin): the audio ballot cannot speak.</source>
        <translation>No hay ningún motor de texto a voz instalado (el paquete qt6-speech-flite-plugin): la boleta de audio no puede hablar.</translation>
    </message>
    <message>
        <source>The text-to-speech engine &quot;%1&quot; is not installed (installed: %2).</source>
        <translation>El motor de texto a voz «%1» no está instalado (instalados: %2).</translation>
    </message>
    <message>
        <source>engine %1, voice %2 (%3)</source>
        <translation>motor %1, voz %2 (%3)</translation>
    </message>
    <message>
        <source>; no %1 voice: the text in %1 is read with this voice</source>
        <translation>; sin voz en %1: el texto en %1 se lee con esta voz</translation>
    </message>
</context>
<context>
    <name>tabella::kiosk::EspeakSpeechSink</name>
    <message>
        <source>espeak-ng is already in use by another voice of this program</source>
        <translation>espeak-ng ya lo usa otra voz de este programa</translation>
    </message>
    <message>
        <source>the espeak-ng voices are not installed (the package espeak-ng-data): the audio ballot cannot speak</source>
        <translation>las voces de espeak-ng no están instaladas (el paquete espeak-ng-data): la boleta de audio no puede hablar</translation>
    </message>
    <message>
        <source>espeak-ng has no voice installed (the package espeak-ng-data)</source>
        <translation>espeak-ng no tiene ninguna voz instalada (el paquete espeak-ng-data)</translation>
    </message>
    <message>
        <source>no sound device: no sound card (/proc/asound/cards) and no PulseAudio or PipeWire server; connect the headphones&apos; sound card and restart the kiosk</source>
        <translation>no hay dispositivo de sonido: ninguna tarjeta de sonido (/proc/asound/cards) ni servidor PulseAudio o PipeWire; conecte la tarjeta de sonido de los auriculares y reinicie el quiosco</translation>
    </message>
    <message>
        <source>engine espeak-ng, voice %1 (%2)</source>
        <translation>motor espeak-ng, voz %1 (%2)</translation>
    </message>
</context>
</TS>

import { useTranslation } from 'react-i18next';
import type { ReceiptText } from '../../kiosk-shell/api/contract';
import { Button } from '../components/Button';
import { languageName } from '../components/LanguageSwitch';
import { spellCode, speaksWithScreen, spokenReceiptLines } from './receipt-speech';
import { sentences } from './speech';
import { useAccess } from './useAccess';
import './spoken-receipt.css';

/**
 * The printed receipt for a resident who cannot see it, on an outcome screen,
 * in speech mode only (nothing changes for a sighted resident):
 * - its text, when printed in the screen's language, sits in the screen (not
 *   shown, read by the speech controller with the rest of the screen, and
 *   again with the repeat key);
 * - printed in another language, the screen says the pickup code and that the
 *   receipt can be heard in the language it is printed in;
 * - a button plays the receipt as printed, in that language's voice.
 */
export function SpokenReceipt({ receipt, document = false }: { receipt: ReceiptText; document?: boolean }) {
  const { t, i18n } = useTranslation();
  const access = useAccess();
  if (!access?.speech) return null;
  const lines = spokenReceiptLines(receipt);
  const intro = document ? 'access.receipt.documentIntro' : 'access.receipt.intro';
  const listen = document ? 'access.receipt.listenDocument' : 'access.receipt.listen';
  const printedIn = i18n.getFixedT(receipt.locale);
  return (
    <div className="spoken-receipt">
      <div className="spoken-receipt-text" data-speech="receipt">
        {speaksWithScreen(receipt, i18n.language) ? (
          <>
            <p>{t(intro)}</p>
            {lines.map((line, i) => (
              <p key={i}>{line}</p>
            ))}
          </>
        ) : (
          <>
            {receipt.pickupCode !== null && (
              <p>{t('access.receipt.pickupCode', { code: spellCode(receipt.pickupCode) })}</p>
            )}
            <p>{t('access.receipt.otherLanguage', { language: languageName(receipt.locale), button: t(listen) })}</p>
          </>
        )}
      </div>
      <Button variant="secondary" onClick={() => access.say(sentences([printedIn(intro), ...lines]), receipt.locale)}>
        {t(listen)}
      </Button>
    </div>
  );
}

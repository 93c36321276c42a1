import { createContext, useContext } from 'react';
import type { Language, Translate } from './i18n';

export type ConsoleContext = { t: Translate; language: Language };

export const I18nContext = createContext<ConsoleContext | null>(null);

export function useI18n(): ConsoleContext {
  const value = useContext(I18nContext);
  if (value === null) throw new Error('useI18n outside the console app');
  return value;
}
